package dev.mesh.connection.frames;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("ErrorCode: wire names and SSE statuses of docs/protocol/browser.md §3.4")
class ErrorCodeTest {

  @Test
  @DisplayName("each code's wire name and status, as the protocol's table states them")
  void table() {
    Map<String, Integer> table =
        Arrays.stream(ErrorCode.values())
            .collect(Collectors.toMap(ErrorCode::wireName, ErrorCode::status));
    assertThat(table)
        .containsExactlyInAnyOrderEntriesOf(
            Map.ofEntries(
                Map.entry("malformed-json", 400),
                Map.entry("unknown-type", 400),
                Map.entry("missing-field", 400),
                Map.entry("invalid-field", 400),
                Map.entry("unsupported-frame", 400),
                Map.entry("rate-limited", 429),
                Map.entry("forbidden", 403),
                Map.entry("too-many-subscriptions", 429),
                Map.entry("too-many-channels", 429),
                Map.entry("not-subscribed", 409),
                Map.entry("unavailable", 503),
                Map.entry("too-large", 413),
                Map.entry("unknown-connection", 404)));
  }

  @Test
  @DisplayName("the constant's name is its wire name in capitals, as codes.js spells it")
  void names() {
    assertThat(Arrays.stream(ErrorCode.values()))
        .allSatisfy(
            code ->
                assertThat(code.name())
                    .isEqualTo(code.wireName().toUpperCase(Locale.ROOT).replace('-', '_')));
    assertThat(Arrays.stream(ErrorCode.values()).map(ErrorCode::wireName).distinct().count())
        .isEqualTo(ErrorCode.values().length);
  }
}
