package dev.mesh.bench.architecture;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Vert.x closes a client that the garbage collector finds unreachable, with its pool: a request
 * still waiting for its connection then fails ("Pool closed", "Connection was closed"). A client
 * created and used in one chained expression is held by nothing, so the code that does it fails now
 * and then on a machine that collects often. Every such client must be held (a field, a variable
 * closed when done).
 */
@DisplayName("Vert.x clients are held, never dropped in the expression that creates them")
class HeldClientsTest {

  /** {@code createHttpClient(...)} (one level of nested parentheses) then at once a call on it. */
  private static final Pattern DROPPED =
      Pattern.compile(
          "create(?:Http|WebSocket|Net)Client\\((?:[^()]|\\([^()]*\\))*\\)\\s*\\.\\s*(?:request|connect|webSocket)\\s*\\(");

  @Test
  @DisplayName("no main or test source calls a client in the expression that creates it")
  void noClientIsDroppedAtCreation() throws IOException {
    Path root =
        Path.of(Objects.requireNonNull(System.getProperty("mesh.repo.root"), "mesh.repo.root"))
            .toRealPath();
    List<String> dropped = new ArrayList<>();
    int scanned = 0;
    try (Stream<Path> files = Files.walk(root)) {
      for (Path file :
          files
              .filter(f -> f.toString().endsWith(".java"))
              .filter(f -> f.toString().contains("/src/"))
              .filter(f -> !f.toString().contains("/target/") && !f.toString().contains("/.git/"))
              // This file's own examples of the refused shapes.
              .filter(f -> !f.endsWith("HeldClientsTest.java"))
              .toList()) {
        scanned++;
        String source = Files.readString(file);
        Matcher matcher = DROPPED.matcher(source);
        while (matcher.find()) {
          int line = (int) source.substring(0, matcher.start()).lines().count();
          dropped.add(root.relativize(file) + ":" + line);
        }
      }
    }
    assertThat(scanned).as("Java sources scanned").isGreaterThan(100);
    assertThat(dropped).as("clients used in the expression that creates them").isEmpty();
  }

  @Test
  @DisplayName("the pattern finds the shapes it is meant to refuse, and passes held clients")
  void patternFindsDroppedClients() {
    assertThat(DROPPED.matcher("vertx\n  .createHttpClient()\n  .request(GET, 1, h, \"/\")").find())
        .isTrue();
    assertThat(
            DROPPED
                .matcher("vertx.createWebSocketClient(new WebSocketClientOptions()).connect(o)")
                .find())
        .isTrue();
    assertThat(DROPPED.matcher("env.vertx().createNetClient()\n.connect(port, host)").find())
        .isTrue();
    assertThat(
            DROPPED.matcher("HttpClient http = vertx.createHttpClient();\nhttp.request(o)").find())
        .isFalse();
    assertThat(DROPPED.matcher("upgrade(env.vertx().createNetClient(), endpoint)").find())
        .isFalse();
  }
}
