package dev.mesh.common.identity;

import java.util.Optional;
import java.util.regex.Pattern;

/**
 * Rules for ids a client chooses (session, tab, page, message ids) and for channel names: short,
 * printable, no separators that could be abused in addresses or logs.
 */
public final class ClientIds {

  /** Longest accepted client-chosen id. */
  public static final int MAX_ID_LENGTH = 64;

  /** Longest accepted channel name. */
  public static final int MAX_CHANNEL_LENGTH = 128;

  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1," + MAX_ID_LENGTH + "}");

  /**
   * A user id is the token's {@code sub} (PROTOCOL 1.1): wider than a client-chosen id, since
   * accounts are often named by e-mail addresses or dotted names.
   */
  private static final Pattern USER_ID =
      Pattern.compile("[A-Za-z0-9_.@-]{1," + MAX_ID_LENGTH + "}");

  private static final Pattern CHANNEL =
      Pattern.compile("[A-Za-z0-9_:.@-]{1," + MAX_CHANNEL_LENGTH + "}");

  private ClientIds() {}

  /** Empty if {@code value} is a valid id, else why it is not, naming the field. */
  public static Optional<String> checkId(String field, String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(field + " is required");
    }
    if (!ID.matcher(value).matches()) {
      return Optional.of(field + " must be 1-" + MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ -");
    }
    return Optional.empty();
  }

  /** Whether {@code value} is a valid user id (the token's {@code sub}). */
  public static boolean isUserId(String value) {
    return value != null && USER_ID.matcher(value).matches();
  }

  /** Empty if {@code value} is a valid user id, else why it is not, naming the field. */
  public static Optional<String> checkUserId(String field, String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(field + " is required");
    }
    if (!isUserId(value)) {
      return Optional.of(
          field + " must be 1-" + MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ . @ -");
    }
    return Optional.empty();
  }

  /** Empty if {@code value} is a valid channel name, else why it is not. */
  public static Optional<String> checkChannel(String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of("channel is required");
    }
    if (!CHANNEL.matcher(value).matches()) {
      return Optional.of(
          "channel must be 1-" + MAX_CHANNEL_LENGTH + " characters of A-Z a-z 0-9 _ - : . @");
    }
    return Optional.empty();
  }
}
