package dev.mesh.common.identity;

import java.util.Optional;

/**
 * Rules for ids a client chooses (session, tab, page, message ids) and for channel names: short,
 * printable, no separators that could be abused in addresses or logs.
 */
public final class ClientIds {

  /** Longest accepted client-chosen id. */
  public static final int MAX_ID_LENGTH = 64;

  /** Longest accepted channel name. */
  public static final int MAX_CHANNEL_LENGTH = 128;

  /**
   * The punctuation each kind of name may hold besides ASCII letters and digits. A user id is the
   * token's {@code sub} (PROTOCOL 1.1): wider than a client-chosen id, since accounts are often
   * named by e-mail addresses or dotted names. Checked by a loop over the characters, not a regular
   * expression: ids are checked on every connect and channels on every frame that names one.
   */
  private static final String ID_PUNCTUATION = "_-";

  private static final String USER_ID_PUNCTUATION = "_.@-";

  private static final String CHANNEL_PUNCTUATION = "_:.@-";

  private ClientIds() {}

  /** Empty if {@code value} is a valid id, else why it is not, naming the field. */
  public static Optional<String> checkId(String field, String value) {
    if (value == null || value.isEmpty()) {
      return Optional.of(field + " is required");
    }
    if (!isWord(value, MAX_ID_LENGTH, ID_PUNCTUATION)) {
      return Optional.of(field + " must be 1-" + MAX_ID_LENGTH + " characters of A-Z a-z 0-9 _ -");
    }
    return Optional.empty();
  }

  /** Whether {@code value} is a valid user id (the token's {@code sub}). */
  public static boolean isUserId(String value) {
    return value != null && isWord(value, MAX_ID_LENGTH, USER_ID_PUNCTUATION);
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
    if (!isWord(value, MAX_CHANNEL_LENGTH, CHANNEL_PUNCTUATION)) {
      return Optional.of(
          "channel must be 1-" + MAX_CHANNEL_LENGTH + " characters of A-Z a-z 0-9 _ - : . @");
    }
    return Optional.empty();
  }

  /**
   * 1 to {@code maxLength} characters, each an ASCII letter, a digit or one of {@code punctuation}.
   */
  private static boolean isWord(String value, int maxLength, String punctuation) {
    int length = value.length();
    if (length == 0 || length > maxLength) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      char c = value.charAt(i);
      boolean allowed =
          (c >= 'a' && c <= 'z')
              || (c >= 'A' && c <= 'Z')
              || (c >= '0' && c <= '9')
              || punctuation.indexOf(c) >= 0;
      if (!allowed) {
        return false;
      }
    }
    return true;
  }
}
