package dev.mesh.bench.baseline;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketClientOptions;
import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Raw Vert.x baseline on 2 event loops: sockets on both loops, a publish reaches every loop in order")
class RawServerLoopsTest {

  private Process server;
  private Vertx vertx;

  @AfterEach
  void stop() throws Exception {
    if (vertx != null) {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    if (server != null) {
      server.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  @Test
  @DisplayName("16 pages land on loops raw-0 and raw-1; 5 publishes reach all 16 as seq 1-5")
  void twoLoops() throws Exception {
    server =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp",
                System.getProperty("java.class.path"),
                RawServerMain.class.getName(),
                "0",
                "2")
            .redirectErrorStream(true)
            .start();
    BufferedReader out = new BufferedReader(new InputStreamReader(server.getInputStream(), UTF_8));
    String line = out.readLine();
    while (line != null && !line.startsWith("listening ")) {
      line = out.readLine();
    }
    assertThat(line).startsWith("listening ");
    Endpoint endpoint =
        Endpoint.loopback(Integer.parseInt(line.substring("listening ".length()).trim()));
    vertx = Vertx.vertx();
    WebSocketClient client = vertx.createWebSocketClient(new WebSocketClientOptions());
    BenchTokens tokens = new BenchTokens(vertx, "raw-loops-test-secret-0123456789abcdef");
    CountDownLatch delivered = new CountDownLatch(16 * 5);
    List<PageClient> pages = new ArrayList<>();
    List<Future<Void>> ready = new ArrayList<>();
    for (int i = 0; i < 16; i++) {
      String token = tokens.token("u" + i);
      PageClient page =
          new PageClient(
                  vertx,
                  client,
                  "u" + i,
                  "s" + i,
                  "t" + i,
                  "p" + i,
                  () -> token,
                  List.of(endpoint),
                  0,
                  ClientPolicy.browser().withoutReconnect())
              .subscribe("bench:loops");
      page.listener(
          new PageClient.Listener() {
            @Override
            public void onEvent(PageClient c, JsonObject frame, long receivedMicros) {
              delivered.countDown();
            }
          });
      pages.add(page);
      ready.add(page.start());
    }
    Future.all(ready).toCompletionStage().toCompletableFuture().get(20, TimeUnit.SECONDS);
    Set<String> loops = new HashSet<>();
    pages.forEach(p -> loops.add(p.nodeId()));
    assertThat(loops).containsExactlyInAnyOrder("raw-0", "raw-1");
    for (int i = 0; i < 5; i++) {
      pages
          .get(0)
          .publish("bench:loops", new JsonObject().put("i", i))
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
    }
    assertThat(delivered.await(20, TimeUnit.SECONDS)).isTrue();
    for (PageClient p : pages) {
      assertThat(p.<Long>ledger("bench:loops", l -> l.last())).isEqualTo(5);
      assertThat(p.<Long>ledger("bench:loops", l -> l.jumps() + l.duplicates())).isZero();
    }
  }
}
