package dev.mesh.bench.chaos;

import dev.mesh.bench.client.ClientPolicy;
import dev.mesh.bench.client.Endpoint;
import dev.mesh.bench.client.PageClient;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocketClientOptions;
import java.time.Duration;
import java.util.List;

/**
 * The page on the far side of a cut link (run inside a network namespace by {@link
 * SilentCutScenario}): connects, prints {@code welcome <connectionId>}, pings every {@code pingMs},
 * and prints {@code dead <epochMillis>} when its own heartbeat declares the connection dead (or
 * {@code closed <code> <epochMillis>}), then exits. Arguments: host port token pingMs
 * pongTimeoutMs.
 */
public final class CutClientMain {

  private CutClientMain() {}

  public static void main(String[] args) {
    Vertx vertx = Vertx.vertx();
    vertx.setTimer(120_000, t -> System.exit(3));
    ClientPolicy policy =
        ClientPolicy.fast()
            .withPing(
                Duration.ofMillis(Long.parseLong(args[3])),
                Duration.ofMillis(Long.parseLong(args[4])))
            .withoutReconnect();
    String token = args[2];
    PageClient page =
        new PageClient(
            vertx,
            vertx.createWebSocketClient(new WebSocketClientOptions().setClosingTimeout(1)),
            "cut",
            "s",
            "t",
            "p",
            () -> token,
            List.of(new Endpoint(args[0], Integer.parseInt(args[1]))),
            0,
            policy);
    page.listener(
        new PageClient.Listener() {
          @Override
          public void onReady(PageClient client) {
            System.out.println("welcome " + client.connectionId());
            System.out.flush();
          }

          @Override
          public void onClosed(PageClient client, int code) {
            System.out.println(
                (code == 4000 ? "dead " : "closed " + code + " ") + System.currentTimeMillis());
            System.out.flush();
            System.exit(0);
          }
        });
    page.start();
  }
}
