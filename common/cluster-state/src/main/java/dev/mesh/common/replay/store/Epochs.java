package dev.mesh.common.replay.store;

import java.security.SecureRandom;

/**
 * New epochs: the creation time in base 36 followed by 6 random base-36 characters, so two
 * histories of one channel never share an epoch (and an epoch tells, when read, roughly when its
 * history began).
 */
public final class Epochs {

  private static final SecureRandom RANDOM = new SecureRandom();
  private static final String DIGITS = "0123456789abcdefghijklmnopqrstuvwxyz";

  private Epochs() {}

  public static String next() {
    StringBuilder epoch = new StringBuilder(Long.toString(System.currentTimeMillis(), 36));
    for (int i = 0; i < 6; i++) {
      epoch.append(DIGITS.charAt(RANDOM.nextInt(DIGITS.length())));
    }
    return epoch.toString();
  }
}
