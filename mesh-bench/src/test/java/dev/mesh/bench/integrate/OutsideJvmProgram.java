package dev.mesh.bench.integrate;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.client.MeshBus;
import dev.mesh.common.client.MeshBusOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.connection.ChannelList;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.connection.UnsubscribeResult;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.status.ServiceStatus;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.json.JsonObject;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * An integrator's program that uses only the contract jar ({@code common}) and its dependencies: it
 * joins a running mesh with {@link MeshBus} and exercises every operation, checking each result. It
 * prints one line per operation, {@code op=<name> ok <result>}, and exits 0; on the first wrong
 * result it prints {@code FAILED op=<name> ...} and exits 1. {@link OutsideJvmEndToEndTest} starts
 * it in a JVM of its own, with user {@code ann} connected (subscribed to {@code user:ann}, and to
 * {@code room:outside} with presence).
 */
public final class OutsideJvmProgram {

  private static final String USER = "ann";
  private static final String CHANNEL = "room:outside";

  private OutsideJvmProgram() {}

  public static void main(String[] args) {
    MeshBus mesh = null;
    try {
      mesh = await(MeshBus.join(MeshBusOptions.fromEnv(Env.system())));
      run(mesh);
      System.out.println("ALL OK");
      await(mesh.close());
      System.exit(0);
    } catch (Throwable e) {
      System.out.println("FAILED " + e);
      e.printStackTrace(System.out);
      System.exit(1);
    }
  }

  private static void run(MeshBus mesh) throws Exception {
    for (String address :
        List.of(Addresses.CONNECTION_STATUS, Addresses.PRESENCE_STATUS, Addresses.REPLAY_STATUS)) {
      ServiceStatus status = await(mesh.status(address));
      check(
          "status " + address,
          status.service().equals(address.split("\\.", -1)[1] + "-service"),
          status);
    }

    Promise<Envelope> live = Promise.promise();
    await(
        mesh.onChannel(
            CHANNEL,
            event -> {
              if (event.id().equals("o-1")) {
                live.tryComplete(event);
              }
            }));
    PublishResult published =
        await(mesh.publish(CHANNEL, "o-1", new JsonObject().put("text", "hello"), false));
    check("publish", published.seq() == 1 && !published.duplicate(), published);
    PublishResult again =
        await(mesh.publish(CHANNEL, "o-1", new JsonObject().put("text", "hello"), false));
    check("publish retried with the same id", again.duplicate() && again.seq() == 1, again);
    Envelope event = await(live.future());
    check(
        "live event on mesh.channel." + CHANNEL,
        event.seq() == 1 && event.data().get("text").asText().equals("hello"),
        event);

    HistoryPage page = await(mesh.history(CHANNEL, null, null));
    check(
        "history",
        page.events().size() == 1 && page.events().get(0).id().equals("o-1") && page.head() == 1,
        page);

    PublishResult critical =
        await(mesh.publish(CHANNEL, "o-2", new JsonObject().put("text", "urgent"), true));
    PendingCritical pending = await(mesh.pendingCritical(USER, CHANNEL));
    check(
        "pending critical",
        pending.events().stream().anyMatch(e -> e.seq() == critical.seq()),
        pending);
    AckResult acked =
        await(mesh.ack(USER, CHANNEL, new Position(critical.epoch(), critical.seq())));
    check("ack", acked.seq() == critical.seq(), acked);
    PendingCritical afterAck = await(mesh.pendingCritical(USER, CHANNEL));
    check("pending critical after ack", afterAck.events().isEmpty(), afterAck);

    UserPresence presence = await(mesh.presence(USER));
    check(
        "presence of a user",
        presence.status() == PresenceStatus.ONLINE && presence.connections() == 1,
        presence);
    PresenceCounts counts = await(mesh.presenceCounts());
    check("presence counts", counts.online() == 1 && counts.connections() == 1, counts);
    ChannelMembers members = await(mesh.channelPresence(CHANNEL, 10));
    check(
        "presence of a channel",
        members.count() == 1 && members.members().get(0).userId().equals(USER),
        members);

    ConnectionList connections = await(mesh.connections(USER));
    check(
        "list connections",
        connections.connections().size() == 1
            && connections.connections().get(0).identity().userId().equals(USER),
        connections);
    List<NodeStats> stats = await(mesh.stats());
    check(
        "stats of every connection node",
        stats.size() == 1 && stats.get(0).connections() == 1,
        stats);
    NodeStats one = await(mesh.nodeStats(stats.get(0).nodeId()));
    check("stats of one node", one.nodeId().equals(stats.get(0).nodeId()) && one.users() == 1, one);

    ChannelList channels = await(mesh.channels("room:"));
    check(
        "list channels",
        channels.channels().equals(List.of(new ChannelList.Channel(CHANNEL, 1)))
            && channels.nodes() == 1,
        channels);
    UnsubscribeResult unsubscribed = await(mesh.unsubscribe(USER, CHANNEL));
    check("unsubscribe", unsubscribed.unsubscribed() == 1, unsubscribed);
    ChannelList afterUnsubscribe = await(mesh.channels("room:"));
    check(
        "list channels after unsubscribe", afterUnsubscribe.channels().isEmpty(), afterUnsubscribe);

    SendResult sent =
        await(mesh.sendToUser(USER, "dm-1", new JsonObject().put("text", "for ann"), false));
    check(
        "send to user",
        sent.channel().equals("user:" + USER) && sent.connections() == 1 && !sent.duplicate(),
        sent);

    KickResult kicked = await(mesh.kickUser(USER, "bye from outside"));
    check("kick", kicked.closed() == 1, kicked);
  }

  private static void check(String op, boolean ok, Object result) {
    if (!ok) {
      throw new AssertionError("op=" + op + " unexpected result " + result);
    }
    System.out.println("op=" + op + " ok " + result);
  }

  private static <T> T await(Future<T> future) throws Exception {
    return future.toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
  }
}
