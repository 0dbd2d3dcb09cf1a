package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.mesh.common.bus.Json;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("welcome frame: the fields of PROTOCOL 3.1, in order, valid JSON whatever the values")
class WelcomeFrameTest {

  private static final LimitOptions LIMITS = LimitOptions.defaults();

  /** The frame as a JSON tree, field by field: what the edge built before it was pre-encoded. */
  private static ObjectNode expected(
      String connectionId, String nodeId, String userId, Instant expiresAt) {
    ObjectNode welcome =
        Frames.frame("welcome")
            .put("protocol", Frames.PROTOCOL_VERSION)
            .put("connectionId", connectionId)
            .put("nodeId", nodeId)
            .put("userId", userId);
    welcome.putObject("heartbeat").put("intervalMs", 25_000L).put("timeoutMs", 10_000L);
    if (expiresAt != null) {
      welcome.put("tokenExpiresAt", expiresAt.toString());
    }
    welcome
        .putObject("limits")
        .put("maxFrameBytes", LIMITS.maxFrameBytes())
        .put("ratePerSecond", LIMITS.ratePerSecond())
        .put("rateBurst", LIMITS.rateBurst())
        .put("maxSubscriptions", LIMITS.maxSubscriptions());
    return welcome;
  }

  private static List<String> names(JsonNode node) {
    List<String> out = new ArrayList<>();
    node.fieldNames().forEachRemaining(out::add);
    return out;
  }

  @Test
  @DisplayName("same fields, values and order as the JSON tree, with and without a token expiry")
  void sameAsTree() throws Exception {
    WelcomeFrame frame = new WelcomeFrame(Duration.ofSeconds(25), Duration.ofSeconds(10), LIMITS);
    Instant expiry = Instant.parse("2026-12-06T19:00:01Z");
    for (Instant expiresAt : new Instant[] {expiry, null}) {
      String text = frame.text("c-1", "node-7", "ann@example.com", expiresAt);
      JsonNode parsed = Json.MAPPER.readTree(text);
      ObjectNode tree = expected("c-1", "node-7", "ann@example.com", expiresAt);
      assertThat(parsed).isEqualTo(Json.MAPPER.readTree(Frames.text(tree)));
      assertThat(names(parsed)).containsExactlyElementsOf(names(tree));
      assertThat(text).isEqualTo(Frames.text(tree));
    }
  }

  @Test
  @DisplayName("values that need quoting stay inside their strings")
  void quoted() throws Exception {
    WelcomeFrame frame = new WelcomeFrame(Duration.ofSeconds(25), Duration.ofSeconds(10), LIMITS);
    String hostile = "a\"b\\c\n\u0001\u2028é";
    JsonNode parsed = Json.MAPPER.readTree(frame.text(hostile, hostile, hostile, null));
    assertThat(parsed.get("connectionId").asText()).isEqualTo(hostile);
    assertThat(parsed.get("userId").asText()).isEqualTo(hostile);
    assertThat(parsed.get("type").asText()).isEqualTo("welcome");
    assertThat(parsed.get("limits").get("maxFrameBytes").asInt()).isEqualTo(LIMITS.maxFrameBytes());
  }
}
