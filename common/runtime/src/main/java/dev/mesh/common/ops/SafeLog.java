package dev.mesh.common.ops;

/**
 * Makes a value an attacker chose (a token's {@code alg} or {@code kid}, an {@code Origin}, a
 * {@code User-Agent}, a path) safe to put in a {@code key="value"} log line: control characters,
 * quotes and backslashes are escaped, so a value can neither forge a second line nor end its field,
 * and it is cut to a bounded length.
 */
public final class SafeLog {

  /** Longest part of a value written to a log line. */
  public static final int MAX_LENGTH = 128;

  private SafeLog() {}

  /**
   * {@code value} escaped and cut to {@link #MAX_LENGTH} characters ({@code …} marks a cut); {@code
   * -} for null.
   */
  public static String escape(String value) {
    if (value == null) {
      return "-";
    }
    StringBuilder out = new StringBuilder(Math.min(value.length(), MAX_LENGTH) + 8);
    int end = Math.min(value.length(), MAX_LENGTH);
    for (int i = 0; i < end; i++) {
      char c = value.charAt(i);
      switch (c) {
        case '"' -> out.append("\\\"");
        case '\\' -> out.append("\\\\");
        case '\n' -> out.append("\\n");
        case '\r' -> out.append("\\r");
        case '\t' -> out.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x7f || (c >= 0x80 && c < 0xa0) || c == '\u2028' || c == '\u2029') {
            out.append(String.format("\\u%04x", (int) c));
          } else {
            out.append(c);
          }
        }
      }
    }
    if (value.length() > MAX_LENGTH) {
      out.append('…');
    }
    return out.toString();
  }
}
