package dev.mesh.common.identity;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Random;
import java.util.regex.Pattern;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Client ids, user ids and channel names: the documented alphabets and lengths")
class ClientIdsTest {

  /** The rules as PROTOCOL.md states them, as regular expressions: the checks must agree. */
  private static final Pattern ID = Pattern.compile("[A-Za-z0-9_-]{1,64}");

  private static final Pattern USER_ID = Pattern.compile("[A-Za-z0-9_.@-]{1,64}");
  private static final Pattern CHANNEL = Pattern.compile("[A-Za-z0-9_:.@-]{1,128}");

  /** Every allowed character and neighbours of each range, separators, controls, non-ASCII. */
  private static final String ALPHABET =
      "azAZ09mM5_-.:@ /\\\"'`{}[]#?&=%+,;<>\u0000\n\t\u007f\u00e9\u0130\u212a\ud83d\ude00"
          + "/0:@[`{";

  @Test
  @DisplayName("200,000 random strings: each check accepts exactly what its rule accepts")
  void agreesWithTheRules() {
    Random random = new Random(42);
    for (int n = 0; n < 200_000; n++) {
      int length = random.nextInt(n % 10 == 0 ? 140 : 6);
      StringBuilder value = new StringBuilder(length);
      for (int i = 0; i < length; i++) {
        value.append(ALPHABET.charAt(random.nextInt(ALPHABET.length())));
      }
      String text = value.toString();
      assertThat(ClientIds.checkId("page", text).isEmpty())
          .as("id %s", text)
          .isEqualTo(ID.matcher(text).matches());
      assertThat(ClientIds.isUserId(text))
          .as("user %s", text)
          .isEqualTo(USER_ID.matcher(text).matches());
      assertThat(ClientIds.checkChannel(text).isEmpty())
          .as("channel %s", text)
          .isEqualTo(CHANNEL.matcher(text).matches());
    }
  }

  @Test
  @DisplayName(
      "the bounds: 64 characters for ids, 128 for channels; empty and null refused with the field named")
  void bounds() {
    assertThat(ClientIds.checkId("tab", "a".repeat(64))).isEmpty();
    assertThat(ClientIds.checkId("tab", "a".repeat(65)))
        .hasValueSatisfying(why -> assertThat(why).startsWith("tab must be 1-64"));
    assertThat(ClientIds.checkId("tab", "")).hasValue("tab is required");
    assertThat(ClientIds.checkId("tab", null)).hasValue("tab is required");
    assertThat(ClientIds.isUserId("ann.lee@example.com")).isTrue();
    assertThat(ClientIds.isUserId("u".repeat(65))).isFalse();
    assertThat(ClientIds.isUserId(null)).isFalse();
    assertThat(ClientIds.checkUserId("sub", "ann lee"))
        .hasValueSatisfying(why -> assertThat(why).startsWith("sub must be"));
    assertThat(ClientIds.checkChannel("room:42.a@b_c-d")).isEmpty();
    assertThat(ClientIds.checkChannel("c".repeat(128))).isEmpty();
    assertThat(ClientIds.checkChannel("c".repeat(129))).isPresent();
    assertThat(ClientIds.checkChannel("room/42")).isPresent();
    assertThat(ClientIds.checkChannel(null)).hasValue("channel is required");
  }
}
