package dev.mesh.connection;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import dev.mesh.connection.support.TestClient;
import dev.mesh.connection.support.Tokens;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName("Resume after a drop, on the other node: nothing missed, nothing twice")
class ResumeTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  private static JsonObject subscribe(String id, String channel, JsonObject position) {
    JsonObject frame =
        new JsonObject().put("type", "subscribe").put("id", id).put("channel", channel);
    return position == null ? frame : frame.put("position", position);
  }

  private static List<Long> seqs(TestClient client, String channel) {
    return client.framesOfType("event").stream()
        .filter(f -> channel.equals(f.getString("channel")))
        .map(f -> f.getLong("seq"))
        .toList();
  }

  @Test
  @DisplayName(
      "200 events published while away, publishing continuing during the reconnect: exactly once, in order")
  void resumeOnOtherNodeWhilePublishing(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    AtomicInteger published = new AtomicInteger();
    AtomicBoolean keepPublishing = new AtomicBoolean(true);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        a ->
                            nodes
                                .start()
                                .compose(
                                    b -> {
                                      ReplayClient publisher =
                                          new ReplayClient(replay.node().vertx());
                                      Promise<Void> publishedAll = Promise.promise();
                                      Runnable[] next = new Runnable[1];
                                      next[0] =
                                          () -> {
                                            int n = published.incrementAndGet();
                                            publisher
                                                .publish(
                                                    "feed",
                                                    "ev" + n,
                                                    JsonNodeFactory.instance.numberNode(n),
                                                    false)
                                                .onComplete(
                                                    ar -> {
                                                      if (n == 300) {
                                                        publishedAll.complete();
                                                      }
                                                      if (keepPublishing.get() && n < 400) {
                                                        next[0].run();
                                                      }
                                                    });
                                          };
                                      return TestClient.connect(
                                              vertx, a.port(), tokens.valid("res"), "s", "t", "p1")
                                          .compose(
                                              first ->
                                                  first
                                                      .welcome()
                                                      .compose(
                                                          w ->
                                                              first.send(
                                                                  subscribe("s1", "feed", null)))
                                                      .compose(v -> first.awaitType("subscribed"))
                                                      .compose(
                                                          v -> {
                                                            next[0].run();
                                                            return first.await(
                                                                f ->
                                                                    "event"
                                                                            .equals(
                                                                                f.getString("type"))
                                                                        && f.getLong("seq")
                                                                            == 100L);
                                                          })
                                                      .compose(
                                                          hundredth ->
                                                              first.close().map(v -> hundredth)))
                                          .compose(
                                              last -> {
                                                // Away while ~200 more are published; then the same
                                                // page reconnects to the OTHER node, mid-stream.
                                                Promise<Void> away = Promise.promise();
                                                vertx.setPeriodic(
                                                    20,
                                                    t -> {
                                                      if (published.get() >= 300) {
                                                        vertx.cancelTimer(t);
                                                        away.complete();
                                                      }
                                                    });
                                                JsonObject position =
                                                    new JsonObject()
                                                        .put("epoch", last.getString("epoch"))
                                                        .put("seq", 100L);
                                                return away.future()
                                                    .compose(
                                                        v ->
                                                            TestClient.connect(
                                                                vertx,
                                                                b.port(),
                                                                tokens.valid("res"),
                                                                "s",
                                                                "t",
                                                                "p1"))
                                                    .compose(
                                                        second ->
                                                            second
                                                                .welcome()
                                                                .compose(
                                                                    w ->
                                                                        second.send(
                                                                            subscribe(
                                                                                "s2", "feed",
                                                                                position)))
                                                                .compose(v -> publishedAll.future())
                                                                .compose(
                                                                    v ->
                                                                        second.await(
                                                                            f ->
                                                                                "event"
                                                                                        .equals(
                                                                                            f
                                                                                                .getString(
                                                                                                    "type"))
                                                                                    && f.getLong(
                                                                                            "seq")
                                                                                        >= 350L))
                                                                .map(
                                                                    v -> {
                                                                      keepPublishing.set(false);
                                                                      List<Long> got =
                                                                          seqs(second, "feed");
                                                                      long top =
                                                                          got.get(got.size() - 1);
                                                                      test.verify(
                                                                          () -> {
                                                                            assertThat(
                                                                                    second
                                                                                        .framesOfType(
                                                                                            "reset"))
                                                                                .isEmpty();
                                                                            assertThat(got)
                                                                                .containsExactlyElementsOf(
                                                                                    LongStream
                                                                                        .rangeClosed(
                                                                                            101,
                                                                                            top)
                                                                                        .boxed()
                                                                                        .toList());
                                                                          });
                                                                      return got;
                                                                    }));
                                              });
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  /**
   * Publishes {@code count} events one after the other (seq order = publish order); completes with
   * the last.
   */
  static Future<dev.mesh.common.replay.PublishResult> publishSequentially(
      ReplayClient publisher, String channel, String prefix, int count) {
    Future<dev.mesh.common.replay.PublishResult> chain = Future.succeededFuture();
    for (int i = 1; i <= count; i++) {
      int n = i;
      chain =
          chain.compose(
              v ->
                  publisher.publish(
                      channel, prefix + n, JsonNodeFactory.instance.numberNode(n), false));
    }
    return chain;
  }

  @Test
  @DisplayName(
      "a resume of 100 missed events arrives as events batches, in order, once each, then live events")
  void hundredEventResumeIsBatched(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          return publishSequentially(publisher, "batch", "b", 100)
                              .compose(
                                  last ->
                                      TestClient.connect(
                                              vertx,
                                              edge.port(),
                                              tokens.valid("bat"),
                                              "s",
                                              "t",
                                              "p")
                                          .compose(
                                              client ->
                                                  client
                                                      .welcome()
                                                      // Resume from before the first event: all 100
                                                      // are history.
                                                      .compose(
                                                          w ->
                                                              client.send(
                                                                  subscribe(
                                                                      "s1",
                                                                      "batch",
                                                                      new JsonObject()
                                                                          .put(
                                                                              "epoch", last.epoch())
                                                                          .put("seq", 0))))
                                                      .compose(
                                                          v ->
                                                              client.await(
                                                                  f ->
                                                                      "event"
                                                                              .equals(
                                                                                  f.getString(
                                                                                      "type"))
                                                                          && f.getLong("seq")
                                                                              == 100L))
                                                      // A live event after the replay comes as a
                                                      // single event frame.
                                                      .compose(
                                                          v ->
                                                              publisher.publish(
                                                                  "batch",
                                                                  "live",
                                                                  JsonNodeFactory.instance
                                                                      .numberNode(101),
                                                                  false))
                                                      .compose(
                                                          v ->
                                                              client.await(
                                                                  f ->
                                                                      "event"
                                                                              .equals(
                                                                                  f.getString(
                                                                                      "type"))
                                                                          && f.getLong("seq")
                                                                              == 101L))
                                                      .map(
                                                          v -> {
                                                            List<JsonObject> wire =
                                                                client.wireFrames();
                                                            List<JsonObject> batches =
                                                                wire.stream()
                                                                    .filter(
                                                                        f ->
                                                                            "events"
                                                                                .equals(
                                                                                    f.getString(
                                                                                        "type")))
                                                                    .toList();
                                                            List<Long> batchedSeqs =
                                                                batches.stream()
                                                                    .flatMap(
                                                                        b ->
                                                                            b
                                                                                .getJsonArray(
                                                                                    "events")
                                                                                .stream()
                                                                                .map(
                                                                                    o ->
                                                                                        ((JsonObject)
                                                                                                o)
                                                                                            .getLong(
                                                                                                "seq")))
                                                                    .toList();
                                                            List<JsonObject> singles =
                                                                wire.stream()
                                                                    .filter(
                                                                        f ->
                                                                            "event"
                                                                                .equals(
                                                                                    f.getString(
                                                                                        "type")))
                                                                    .toList();
                                                            test.verify(
                                                                () -> {
                                                                  assertThat(batches)
                                                                      .as(
                                                                          "100 small events: one frame, one write")
                                                                      .hasSize(1);
                                                                  assertThat(
                                                                          batches
                                                                              .get(0)
                                                                              .getString("channel"))
                                                                      .isEqualTo("batch");
                                                                  assertThat(
                                                                          batches
                                                                              .get(0)
                                                                              .getString("epoch"))
                                                                      .isEqualTo(last.epoch());
                                                                  assertThat(batchedSeqs)
                                                                      .containsExactlyElementsOf(
                                                                          LongStream.rangeClosed(
                                                                                  1, 100)
                                                                              .boxed()
                                                                              .toList());
                                                                  assertThat(
                                                                          batches
                                                                              .get(0)
                                                                              .getJsonArray(
                                                                                  "events")
                                                                              .getJsonObject(41)
                                                                              .getString("id"))
                                                                      .isEqualTo("b42");
                                                                  assertThat(singles)
                                                                      .extracting(
                                                                          f -> f.getLong("seq"))
                                                                      .containsExactly(101L);
                                                                  // The batch comes after
                                                                  // subscribed, and the live event
                                                                  // after the batch.
                                                                  assertThat(
                                                                          wire.indexOf(
                                                                              batches.get(0)))
                                                                      .isGreaterThan(
                                                                          wire.indexOf(
                                                                              client
                                                                                  .awaitType(
                                                                                      "subscribed")
                                                                                  .result()))
                                                                      .isLessThan(
                                                                          wire.indexOf(
                                                                              singles.get(0)));
                                                                  assertThat(seqs(client, "batch"))
                                                                      .containsExactlyElementsOf(
                                                                          LongStream.rangeClosed(
                                                                                  1, 101)
                                                                              .boxed()
                                                                              .toList());
                                                                });
                                                            return client;
                                                          })));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "pages of 20 users resuming a channel together: each gets its own unacknowledged critical events once, with no ack or pending request of its own")
  void pagesResumingTogetherShareTheirAckRequests(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String channel = "together";
    int pages = 20;
    Map<String, AtomicInteger> requests = new ConcurrentHashMap<>();
    nodes
        .startReplay()
        .compose(
            replay -> {
              // Counts what replay-service is asked, as it arrives.
              replay
                  .node()
                  .vertx()
                  .eventBus()
                  .addInboundInterceptor(
                      delivery -> {
                        requests
                            .computeIfAbsent(delivery.message().address(), a -> new AtomicInteger())
                            .incrementAndGet();
                        delivery.next();
                      });
              ReplayClient publisher = new ReplayClient(replay.node().vertx());
              return publishTwoCritical(publisher, channel, pages)
                  .compose(
                      epoch ->
                          nodes
                              .start()
                              .compose(
                                  edge ->
                                      resumeAll(
                                          vertx, tokens, edge, channel, epoch, pages, requests)));
            })
        .onComplete(
            test.succeeding(
                clients ->
                    test.verify(
                        () -> {
                          for (TestClient client : clients) {
                            assertThat(
                                    client.framesOfType("event").stream()
                                        .map(f -> f.getString("id"))
                                        .toList())
                                .as("the user's unacknowledged critical events, once, in order")
                                .containsExactly("c1", "c3");
                          }
                          assertThat(requests.get(Addresses.ACK)).as("no ack per page").isNull();
                          assertThat(requests.get(Addresses.PENDING_CRITICAL))
                              .as("no pending read per page")
                              .isNull();
                          // How many pages share a request depends on when each one's subscribe
                          // reaches the coalescer; that they do when they coincide is
                          // ResumeAcksCoalescerTest's. Here: never more than one per page.
                          assertThat(requests.get(Addresses.RESUME_ACKS).get())
                              .as("resume-acks requests")
                              .isBetween(1, pages);
                          test.completeNow();
                        })));
  }

  /**
   * Publishes c1 (critical), opens the cursors of users {@code t0..t<pages-1>} at 0, then publishes
   * n2 and c3 (critical): each user owes c1 and c3. Completes with the epoch.
   */
  private static Future<String> publishTwoCritical(
      ReplayClient publisher, String channel, int pages) {
    return publisher
        .publish(channel, "c1", JsonNodeFactory.instance.numberNode(1), true)
        .compose(
            first -> {
              List<Future<?>> opened = new ArrayList<>();
              for (int i = 0; i < pages; i++) {
                opened.add(publisher.openAcks("t" + i, channel, new Position(first.epoch(), 0)));
              }
              return Future.all(opened).map(v -> first.epoch());
            })
        .compose(
            epoch ->
                publisher
                    .publish(channel, "n2", JsonNodeFactory.instance.numberNode(2), false)
                    .compose(
                        v ->
                            publisher.publish(
                                channel, "c3", JsonNodeFactory.instance.numberNode(3), true))
                    .map(v -> epoch));
  }

  /**
   * Connects a page per user, then has them all subscribe at once from the head (3), as pages that
   * saw the events but acked none; completes when each has its redelivered c3.
   */
  private static Future<List<TestClient>> resumeAll(
      Vertx vertx,
      Tokens tokens,
      EdgeNodes.Edge edge,
      String channel,
      String epoch,
      int pages,
      Map<String, AtomicInteger> requests) {
    List<Future<TestClient>> connected = new ArrayList<>();
    for (int i = 0; i < pages; i++) {
      connected.add(
          TestClient.connect(vertx, edge.port(), tokens.valid("t" + i), "s" + i, "t", "p")
              .compose(client -> client.welcome().map(w -> client)));
    }
    return Future.all(connected)
        .compose(
            all -> {
              requests.clear();
              List<TestClient> clients = all.list();
              List<Future<JsonObject>> done = new ArrayList<>();
              for (TestClient client : clients) {
                client.send(
                    subscribe("s", channel, new JsonObject().put("epoch", epoch).put("seq", 3)));
              }
              for (TestClient client : clients) {
                done.add(client.await(f -> "c3".equals(f.getString("id"))));
              }
              return Future.all(done).map(v -> clients);
            });
  }

  @Test
  @DisplayName(
      "pending critical events past the resume-acks byte bound are still redelivered, each page its own")
  void pendingPastTheByteBoundAreRedelivered(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    String channel = "heavy";
    // 20 critical events of 60 KB: more than ResumeAcks.MAX_EVENTS_BYTES holds (17 of them).
    String filler = "x".repeat(60_000);
    Map<String, Long> cursors = Map.of("whole", 0L, "within", 2L, "tail", 18L);
    nodes
        .startReplay()
        .compose(
            replay -> {
              ReplayClient publisher = new ReplayClient(replay.node().vertx());
              Future<String> epoch = Future.succeededFuture(null);
              for (int i = 1; i <= 20; i++) {
                String id = "c" + i;
                epoch =
                    epoch.compose(
                        e ->
                            publisher
                                .publish(
                                    channel, id, JsonNodeFactory.instance.textNode(filler), true)
                                .map(PublishResult::epoch));
              }
              return epoch.compose(
                  e -> {
                    List<Future<?>> opened = new ArrayList<>();
                    cursors.forEach(
                        (user, seq) ->
                            opened.add(publisher.openAcks(user, channel, new Position(e, seq))));
                    return Future.all(opened).map(v -> e);
                  });
            })
        .compose(
            epoch ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          Map<String, Future<TestClient>> pages = new HashMap<>();
                          cursors.forEach(
                              (user, seq) ->
                                  pages.put(
                                      user,
                                      TestClient.connect(
                                              vertx,
                                              edge.port(),
                                              tokens.valid(user),
                                              "s-" + user,
                                              "t",
                                              "p")
                                          .compose(client -> client.welcome().map(w -> client))
                                          .compose(
                                              client -> {
                                                client.send(
                                                    subscribe(
                                                        "s",
                                                        channel,
                                                        new JsonObject()
                                                            .put("epoch", epoch)
                                                            .put("seq", 20)));
                                                return client
                                                    .await(f -> "c20".equals(f.getString("id")))
                                                    .map(f -> client);
                                              })));
                          return Future.all(new ArrayList<>(pages.values())).map(v -> pages);
                        }))
        .onComplete(
            test.succeeding(
                pages ->
                    test.verify(
                        () -> {
                          pages.forEach(
                              (user, page) ->
                                  assertThat(
                                          page.result().framesOfType("event").stream()
                                              .map(f -> f.getString("id"))
                                              .toList())
                                      .as(user + ": every event after its cursor, once, in order")
                                      .containsExactlyElementsOf(
                                          LongStream.rangeClosed(cursors.get(user) + 1, 20)
                                              .mapToObj(seq -> "c" + seq)
                                              .toList()));
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName("a stale epoch gets an explicit reset, never a partial replay")
  void staleEpochResets(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          return publisher
                              .publish("log", "x1", JsonNodeFactory.instance.numberNode(1), false)
                              .compose(
                                  v ->
                                      TestClient.connect(
                                          vertx, edge.port(), tokens.valid("old"), "s", "t", "p"))
                              .compose(
                                  client ->
                                      client
                                          .welcome()
                                          .compose(
                                              w ->
                                                  client.send(
                                                      subscribe(
                                                          "s1",
                                                          "log",
                                                          new JsonObject()
                                                              .put("epoch", "gone")
                                                              .put("seq", 5))))
                                          .compose(v -> client.awaitType("subscribed"))
                                          .map(
                                              subscribed -> {
                                                JsonObject reset =
                                                    client.awaitType("reset").result();
                                                test.verify(
                                                    () -> {
                                                      assertThat(reset.getString("reason"))
                                                          .isEqualTo("epoch-changed");
                                                      assertThat(
                                                              reset
                                                                  .getJsonObject("position")
                                                                  .getLong("seq"))
                                                          .isEqualTo(1L);
                                                      assertThat(
                                                              subscribed.getJsonObject("position"))
                                                          .isEqualTo(
                                                              reset.getJsonObject("position"));
                                                      assertThat(client.framesOfType("event"))
                                                          .isEmpty();
                                                    });
                                                return reset;
                                              }));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a history lost while subscribers sit quietly on it: the catch-up after a membership change sends them a reset")
  void lostHistoryResetsOnCatchUp(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        edge -> {
                          ReplayClient publisher = new ReplayClient(replay.node().vertx());
                          return publisher
                              .publish("quiet", "q1", JsonNodeFactory.instance.numberNode(1), false)
                              .compose(
                                  v ->
                                      TestClient.connect(
                                          vertx, edge.port(), tokens.valid("q"), "s", "t", "p"))
                              .compose(
                                  client ->
                                      client
                                          .welcome()
                                          .compose(w -> client.send(subscribe("s1", "quiet", null)))
                                          .compose(v -> client.awaitType("subscribed"))
                                          // The channel's log vanishes, as with a partition lost
                                          // with all its replicas.
                                          .compose(
                                              subscribed ->
                                                  replay
                                                      .node()
                                                      .vertx()
                                                      .executeBlocking(
                                                          () -> {
                                                            dev.mesh.common.replay.store.ReplayMaps
                                                                .channels(replay.node().hazelcast())
                                                                .delete("quiet");
                                                            return subscribed;
                                                          }))
                                          .compose(
                                              subscribed -> {
                                                edge.service()
                                                    .edge()
                                                    .node()
                                                    .onEach(
                                                        loop -> {
                                                          loop.subscriptions().catchUpAll();
                                                          return io.vertx.core.Future
                                                              .succeededFuture();
                                                        });
                                                return client
                                                    .awaitType("reset")
                                                    .map(
                                                        reset -> {
                                                          test.verify(
                                                              () -> {
                                                                assertThat(
                                                                        reset.getString("reason"))
                                                                    .isEqualTo("epoch-changed");
                                                                assertThat(
                                                                        reset
                                                                            .getJsonObject(
                                                                                "position")
                                                                            .getString("epoch"))
                                                                    .isNotEqualTo(
                                                                        subscribed
                                                                            .getJsonObject(
                                                                                "position")
                                                                            .getString("epoch"));
                                                                assertThat(
                                                                        reset
                                                                            .getJsonObject(
                                                                                "position")
                                                                            .getLong("seq"))
                                                                    .isZero();
                                                              });
                                                          return reset;
                                                        });
                                              }));
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "direct messages sent while the user is away arrive on resume; critical ones are redelivered until acked")
  void directAndCriticalWhileAway(Vertx vertx, VertxTestContext test) {
    Tokens tokens = new Tokens(vertx);
    nodes
        .startReplay()
        .compose(
            replay ->
                nodes
                    .start()
                    .compose(
                        a ->
                            nodes
                                .start()
                                .compose(
                                    b -> {
                                      BusClient bus = new BusClient(replay.node().vertx());
                                      return TestClient.connect(
                                              vertx, a.port(), tokens.valid("dora"), "s", "t", "p1")
                                          .compose(
                                              first ->
                                                  first
                                                      .welcome()
                                                      .compose(
                                                          w ->
                                                              first.send(
                                                                  subscribe(
                                                                      "s1", "user:dora", null)))
                                                      .compose(v -> first.awaitType("subscribed"))
                                                      .compose(s -> first.close().map(v -> s)))
                                          .compose(
                                              subscribed -> {
                                                JsonObject position =
                                                    subscribed.getJsonObject("position");
                                                return bus.request(
                                                        Addresses.SEND_TO_USER,
                                                        new SendToUser(
                                                            "dora",
                                                            "dm1",
                                                            JsonNodeFactory.instance.textNode(
                                                                "while away"),
                                                            false,
                                                            "test"),
                                                        SendResult.class)
                                                    .compose(
                                                        v ->
                                                            bus.request(
                                                                Addresses.SEND_TO_USER,
                                                                new SendToUser(
                                                                    "dora",
                                                                    "dm2",
                                                                    JsonNodeFactory.instance
                                                                        .textNode("important"),
                                                                    true,
                                                                    "test"),
                                                                SendResult.class))
                                                    // Back on the other node: both arrive through
                                                    // the resume.
                                                    .compose(
                                                        v ->
                                                            TestClient.connect(
                                                                vertx,
                                                                b.port(),
                                                                tokens.valid("dora"),
                                                                "s",
                                                                "t",
                                                                "p2"))
                                                    .compose(
                                                        second ->
                                                            second
                                                                .welcome()
                                                                .compose(
                                                                    w ->
                                                                        second.send(
                                                                            subscribe(
                                                                                "s2",
                                                                                "user:dora",
                                                                                position)))
                                                                .compose(
                                                                    v ->
                                                                        second.await(
                                                                            f ->
                                                                                "dm2"
                                                                                    .equals(
                                                                                        f.getString(
                                                                                            "id"))))
                                                                .compose(
                                                                    critical ->
                                                                        second
                                                                            .close()
                                                                            .map(v -> second)))
                                                    // Without an ack, the critical one comes again
                                                    // on the next connection, even from the head.
                                                    .compose(
                                                        second ->
                                                            TestClient.connect(
                                                                vertx,
                                                                a.port(),
                                                                tokens.valid("dora"),
                                                                "s",
                                                                "t",
                                                                "p3"))
                                                    .compose(
                                                        third ->
                                                            third
                                                                .welcome()
                                                                .compose(
                                                                    w ->
                                                                        third.send(
                                                                            subscribe(
                                                                                "s3",
                                                                                "user:dora",
                                                                                null)))
                                                                .compose(
                                                                    v ->
                                                                        third.await(
                                                                            f ->
                                                                                "dm2"
                                                                                    .equals(
                                                                                        f.getString(
                                                                                            "id"))))
                                                                .compose(
                                                                    redelivered ->
                                                                        third
                                                                            .send(
                                                                                new JsonObject()
                                                                                    .put(
                                                                                        "type",
                                                                                        "ack")
                                                                                    .put(
                                                                                        "channel",
                                                                                        "user:dora")
                                                                                    .put(
                                                                                        "seq",
                                                                                        redelivered
                                                                                            .getLong(
                                                                                                "seq")))
                                                                            .map(v -> redelivered))
                                                                .compose(
                                                                    redelivered ->
                                                                        third
                                                                            .send(
                                                                                new JsonObject()
                                                                                    .put(
                                                                                        "type",
                                                                                        "ping")
                                                                                    .put(
                                                                                        "id",
                                                                                        "after-ack"))
                                                                            .compose(
                                                                                v ->
                                                                                    third.await(
                                                                                        f ->
                                                                                            "after-ack"
                                                                                                .equals(
                                                                                                    f
                                                                                                        .getString(
                                                                                                            "id"))))
                                                                            .compose(
                                                                                v -> third.close())
                                                                            .map(v -> redelivered)))
                                                    // Acked: never again.
                                                    .compose(
                                                        redelivered ->
                                                            TestClient.connect(
                                                                    vertx,
                                                                    b.port(),
                                                                    tokens.valid("dora"),
                                                                    "s",
                                                                    "t",
                                                                    "p4")
                                                                .compose(
                                                                    fourth ->
                                                                        fourth
                                                                            .welcome()
                                                                            .compose(
                                                                                w ->
                                                                                    fourth.send(
                                                                                        subscribe(
                                                                                            "s4",
                                                                                            "user:dora",
                                                                                            null)))
                                                                            .compose(
                                                                                v ->
                                                                                    fourth
                                                                                        .awaitType(
                                                                                            "subscribed"))
                                                                            .compose(
                                                                                v ->
                                                                                    fourth.send(
                                                                                        new JsonObject()
                                                                                            .put(
                                                                                                "type",
                                                                                                "ping")
                                                                                            .put(
                                                                                                "id",
                                                                                                "last")))
                                                                            .compose(
                                                                                v ->
                                                                                    fourth.await(
                                                                                        f ->
                                                                                            "last"
                                                                                                .equals(
                                                                                                    f
                                                                                                        .getString(
                                                                                                            "id"))))
                                                                            .map(
                                                                                v -> {
                                                                                  test.verify(
                                                                                      () -> {
                                                                                        assertThat(
                                                                                                redelivered
                                                                                                    .getBoolean(
                                                                                                        "critical"))
                                                                                            .isTrue();
                                                                                        assertThat(
                                                                                                fourth
                                                                                                    .framesOfType(
                                                                                                        "event"))
                                                                                            .as(
                                                                                                "after the ack")
                                                                                            .isEmpty();
                                                                                      });
                                                                                  return fourth;
                                                                                })));
                                              });
                                    })))
        .onComplete(test.succeedingThenComplete());
  }
}
