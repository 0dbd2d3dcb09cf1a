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

  @Test
  @DisplayName(
      "writes a presence frame to the subscribers that asked for presence, and drops stale versions")
  void deliversToPresenceSubscribersOnly(Vertx vertx, VertxTestContext test) {
    MeshCodec.register(vertx.eventBus());
    RecordingDelivery delivery = new RecordingDelivery();
    Session watching = subscriber("c1", true);
    Session silent = subscriber("c2", false);
    delivery.room.add(watching.subscription("room"));
    delivery.room.add(silent.subscription("room"));
    PresenceFeed feed = new PresenceFeed(vertx, delivery);
    feed.start()
        .onComplete(
            test.succeeding(
                v -> {
                  vertx
                      .eventBus()
                      .publish(Addresses.PRESENCE_EVENTS, change("a", PresenceChange.JOIN, 2));
                  // Reordered on the bus: older than the join already seen.
                  vertx
                      .eventBus()
                      .publish(Addresses.PRESENCE_EVENTS, change("a", PresenceChange.JOIN, 1));
                  vertx
                      .eventBus()
                      .publish(Addresses.PRESENCE_EVENTS, change("a", PresenceChange.LEAVE, 3));
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
                                    feed.stop().onComplete(test.succeedingThenComplete());
                                  }));
                }));
  }
}
