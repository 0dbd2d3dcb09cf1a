package dev.mesh.connection.routing;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.MeshCodec;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.edge.ChannelDelivery;
import dev.mesh.connection.session.LimitOptions;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.Subscription;
import io.vertx.core.Context;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("The presence feed, through the ChannelDelivery role of a loop")
class PresenceFeedTest {

  /** A loop's channel delivery that only records what is sent. */
  private static final class RecordingDelivery implements ChannelDelivery {
    final Set<Subscription> room = new LinkedHashSet<>();
    final List<String> sent = new ArrayList<>();
    final List<Session> to = new ArrayList<>();
    final Promise<Void> leaveSent = Promise.promise();
    Runnable onSent = () -> {};

    @Override
    public List<String> channels() {
      return room.isEmpty() ? List.of() : List.of("room");
    }

    @Override
    public Set<Subscription> subscribers(String channel) {
      return "room".equals(channel) ? room : Set.of();
    }

    @Override
    public void send(Session session, String frame) {
      to.add(session);
      sent.add(frame);
      onSent.run();
      if ("leave".equals(new JsonObject(frame).getString("action"))) {
        leaveSent.tryComplete();
      }
    }

    @Override
    public void deliverDirect(Envelope event, List<String> connectionIds) {
      throw new UnsupportedOperationException();
    }

    @Override
    public boolean detach(Session session, String channel) {
      throw new UnsupportedOperationException();
    }
  }

  private static Session subscriber(String connectionId, boolean presence) {
    Session session =
        new Session(
            new ConnectionIdentity("u-" + connectionId, "s", "t", "p", connectionId, "n"),
            null,
            null,
            LimitOptions.defaults(),
            System.nanoTime());
    session.opened();
    session.addSubscription(new Subscription(session, "room", presence));
    return session;
  }

  private static PresenceChanged change(String user, PresenceChange change, long version) {
    return new PresenceChanged(user, "room", change, null, null, Instant.EPOCH, version);
  }

  /** The node's routing, with one loop's hub joined to "room" by {@code subscribers}. */
  private static final class Node {
    final Context loop;
    final ChannelRouter router;
    final ChannelHub hub;
    final PresenceRouter presence;
    final PresenceFeed feed;

    Node(Vertx vertx, RecordingDelivery delivery, Session... subscribers) {
      loop = vertx.getOrCreateContext();
      router = new ChannelRouter(vertx);
      hub = new ChannelHub(vertx, loop, router, (event, to) -> {});
      presence = new PresenceRouter(vertx, router);
      feed = new PresenceFeed(loop, delivery);
      presence.add(feed);
      for (Session subscriber : subscribers) {
        delivery.room.add(subscriber.subscription("room"));
        hub.add(subscriber.subscription("room"));
      }
    }
  }

  /** Once the leave's frame is written: it is the only frame, and its body the only one decoded. */
  private static void oneFrameFromOneBody(
      RecordingDelivery delivery, Node node, VertxTestContext test) {
    delivery
        .leaveSent
        .future()
        .onComplete(
            done ->
                test.verify(
                    () -> {
                      assertThat(delivery.sent).hasSize(1);
                      assertThat(node.presence.decoded()).as("bodies decoded").isEqualTo(1);
                      test.completeNow();
                    }));
  }

  private static void publish(Vertx vertx, PresenceChanged change) {
    vertx.eventBus().publish(Addresses.PRESENCE_EVENTS, change, change.deliveryOptions());
  }

  @Test
  @DisplayName(
      "writes a presence frame to the subscribers that asked for presence, and drops stale versions")
  void deliversToPresenceSubscribersOnly(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Session watching = subscriber("c1", true);
    Session silent = subscriber("c2", false);
    Node node = new Node(vertx, delivery, watching, silent);
    node.presence
        .start()
        .onComplete(
            test.succeeding(
                v -> {
                  publish(vertx, change("a", PresenceChange.JOIN, 2));
                  // Reordered on the bus: older than the join already seen.
                  publish(vertx, change("a", PresenceChange.JOIN, 1));
                  publish(vertx, change("a", PresenceChange.LEAVE, 3));
                  delivery
                      .leaveSent
                      .future()
                      .onComplete(
                          done ->
                              test.verify(
                                  () -> {
                                    assertThat(delivery.to).containsOnly(watching).hasSize(2);
                                    JsonObject join = new JsonObject(delivery.sent.get(0));
                                    assertThat(join.getString("type")).isEqualTo("presence");
                                    assertThat(join.getString("action")).isEqualTo("join");
                                    assertThat(join.getJsonObject("member").getString("userId"))
                                        .isEqualTo("a");
                                    assertThat(
                                            new JsonObject(delivery.sent.get(1))
                                                .getString("action"))
                                        .isEqualTo("leave");
                                    node.presence.stop().onComplete(test.succeedingThenComplete());
                                  }));
                }));
  }

  @Test
  @DisplayName(
      "passes over user-level changes and channels the node does not listen on without decoding them")
  void skipsWhatTheNodeHasNoUseFor(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Session watching = subscriber("c1", true);
    Node node = new Node(vertx, delivery, watching);
    node.presence
        .start()
        .onComplete(
            test.succeeding(
                v -> {
                  publish(
                      vertx,
                      new PresenceChanged(
                          "a", null, PresenceChange.ONLINE, null, null, Instant.EPOCH, 1));
                  publish(
                      vertx,
                      new PresenceChanged(
                          "a", "elsewhere", PresenceChange.JOIN, null, null, Instant.EPOCH, 1));
                  // Published last: when it has arrived, so have the two before it (one sender).
                  publish(vertx, change("a", PresenceChange.LEAVE, 2));
                  oneFrameFromOneBody(delivery, node, test);
                }));
  }

  @Test
  @DisplayName("writes no frame for a change the subscriber's snapshot already reflects")
  void changeInTheSnapshot(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Session watching = subscriber("c1", true);
    // Its subscribed.presence was read at the channel's version 5.
    watching.subscription("room").presenceFloor(5);
    Node node = new Node(vertx, delivery, watching);
    node.presence
        .start()
        .onComplete(
            test.succeeding(
                v -> {
                  publish(vertx, change("a", PresenceChange.JOIN, 5));
                  publish(vertx, change("a", PresenceChange.LEAVE, 6));
                  delivery
                      .leaveSent
                      .future()
                      .onComplete(
                          done ->
                              test.verify(
                                  () -> {
                                    assertThat(delivery.sent).hasSize(1);
                                    assertThat(
                                            new JsonObject(delivery.sent.get(0))
                                                .getString("action"))
                                        .isEqualTo("leave");
                                    test.completeNow();
                                  }));
                }));
  }

  @Test
  @DisplayName("a change without headers, from an older presence-service, is still delivered")
  void changeWithoutHeaders(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Node node = new Node(vertx, delivery, subscriber("c1", true));
    node.presence
        .start()
        .onComplete(
            test.succeeding(
                v -> {
                  vertx
                      .eventBus()
                      .publish(Addresses.PRESENCE_EVENTS, change("a", PresenceChange.LEAVE, 1));
                  oneFrameFromOneBody(delivery, node, test);
                }));
  }

  @Test
  @DisplayName("forgets a channel's versions when the node stops listening on it")
  void forgetsADroppedChannel(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Session watching = subscriber("c1", true);
    Node node = new Node(vertx, delivery, watching);
    Promise<Void> joined = Promise.promise();
    delivery.onSent = joined::tryComplete;
    node.presence
        .start()
        .compose(
            v -> {
              publish(vertx, change("a", PresenceChange.JOIN, 1));
              return joined.future();
            })
        .onComplete(
            test.succeeding(
                v ->
                    node.loop.runOnContext(
                        x -> {
                          test.verify(
                              () -> assertThat(node.feed.channelsRemembered()).isEqualTo(1));
                          // The last subscriber leaves: the node drops the channel, and the loop
                          // forgets its versions (in a task queued before the next one).
                          node.hub.remove(watching.subscription("room"));
                          node.loop.runOnContext(
                              y ->
                                  test.verify(
                                      () -> {
                                        assertThat(node.router.listens("room")).isFalse();
                                        assertThat(node.feed.channelsRemembered()).isZero();
                                        test.completeNow();
                                      }));
                        })));
  }
}
