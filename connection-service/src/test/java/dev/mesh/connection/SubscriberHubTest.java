package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * A loop's subscribers per channel hold the subscriptions themselves: a subscription that its
 * session let go (unsubscribed, then the channel subscribed again; closed) gets nothing more,
 * neither an answer it was waiting for nor a live event, and leaves the loop's subscribers.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("The loop's subscribers: a subscription let go gets nothing more")
class SubscriberHubTest {

  private static final String CHANNEL = "hub:room";

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static JsonObject subscribe(String id, String epoch) {
    return new JsonObject()
        .put("type", "subscribe")
        .put("id", id)
        .put("channel", CHANNEL)
        .put("position", new JsonObject().put("epoch", epoch).put("seq", 0));
  }

  private static Future<JsonObject> reply(TestClient client, String id) {
    return client.await(f -> id.equals(f.getString("id")));
  }

  private static Future<JsonObject> event(TestClient client, long seq) {
    return client.await(f -> "event".equals(f.getString("type")) && f.getLong("seq") == seq);
  }

  /** The subscriptions to the channel on all the node's loops, counted on each loop. */
  private static Future<Integer> subscribers(EdgeNodes.Edge edge) {
    EdgeNode node = edge.service().edge().node();
    return node.onEach(loop -> Future.succeededFuture(loop.subscribers(CHANNEL).size()))
        .map(counts -> counts.stream().mapToInt(Integer::intValue).sum());
  }

  @Test
  @DisplayName(
      "unsubscribed and subscribed again while the first history read is in flight: only the new"
          + " subscription answers and gets events; a close leaves no subscriber")
  void replacedSubscriptionGetsNothing(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    Promise<Runnable> held = Promise.promise();
    AtomicReference<EdgeNodes.Edge> edgeRef = new AtomicReference<>();
    AtomicReference<TestClient> clientRef = new AtomicReference<>();
    AtomicReference<String> epoch = new AtomicReference<>();
    nodes
        .startReplay()
        .compose(
            replay -> {
              // Holds the first history read (the first subscription's) until released.
              replay
                  .node()
                  .vertx()
                  .eventBus()
                  .addInboundInterceptor(
                      delivery -> {
                        if (Addresses.HISTORY.equals(delivery.message().address())
                            && !held.future().isComplete()) {
                          Context context = Vertx.currentContext();
                          held.complete(() -> context.runOnContext(v -> delivery.next()));
                        } else {
                          delivery.next();
                        }
                      });
              ReplayClient publisher = new ReplayClient(replay.node().vertx());
              return publisher
                  .publish(CHANNEL, "m1", JsonNodeFactory.instance.numberNode(1), false)
                  .compose(
                      first -> {
                        epoch.set(first.epoch());
                        return publisher.publish(
                            CHANNEL, "m2", JsonNodeFactory.instance.numberNode(2), false);
                      })
                  .compose(v -> nodes.start())
                  .compose(
                      edge -> {
                        edgeRef.set(edge);
                        return TestClient.connect(
                            vertx, edge.port(), tokens.valid("amy"), "s", "t", "p");
                      })
                  .compose(
                      client -> {
                        clientRef.set(client);
                        return client.welcome();
                      })
                  .compose(w -> clientRef.get().send(subscribe("q1", epoch.get())))
                  .compose(v -> held.future())
                  .compose(
                      release -> {
                        TestClient client = clientRef.get();
                        // The first subscription is waiting for its history: it ends, and a new
                        // one of the same channel takes its place before the answer comes. The
                        // second read is issued after the first (shared or on its own), so its
                        // answer is usually handled after the first's on the loop; when it is
                        // not, the old answer still arrives while the old subscription is ended.
                        return client
                            .send(
                                new JsonObject()
                                    .put("type", "unsubscribe")
                                    .put("id", "u1")
                                    .put("channel", CHANNEL))
                            .compose(v -> reply(client, "u1"))
                            .compose(v -> client.send(subscribe("q2", epoch.get())))
                            .compose(
                                v -> {
                                  release.run();
                                  return reply(client, "q2");
                                });
                      })
                  .compose(v -> event(clientRef.get(), 2))
                  .compose(
                      v ->
                          publisher.publish(
                              CHANNEL, "m3", JsonNodeFactory.instance.numberNode(3), false))
                  .compose(v -> event(clientRef.get(), 3))
                  .compose(v -> subscribers(edgeRef.get()))
                  .compose(
                      live -> {
                        TestClient client = clientRef.get();
                        test.verify(
                            () -> {
                              assertThat(client.frames())
                                  .as("nothing answers the subscribe that was let go")
                                  .noneMatch(f -> "q1".equals(f.getString("id")));
                              assertThat(client.framesOfType("event"))
                                  .extracting(f -> f.getString("id"))
                                  .as("history and live events once each, in order")
                                  .containsExactly("m1", "m2", "m3");
                              assertThat(reply(client, "u1").result().getString("type"))
                                  .isEqualTo("unsubscribed");
                              assertThat(live).as("subscriptions held by the loops").isEqualTo(1);
                            });
                        return client
                            .send(new JsonObject().put("type", "close"))
                            .compose(v -> client.closed());
                      })
                  .compose(code -> subscribers(edgeRef.get()))
                  .map(
                      left -> {
                        test.verify(
                            () ->
                                assertThat(left)
                                    .as("subscriptions held after the close")
                                    .isEqualTo(0));
                        return left;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }
}
