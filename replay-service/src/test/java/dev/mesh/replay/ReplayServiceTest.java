package dev.mesh.replay;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.IntNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.TextNode;
import com.hazelcast.config.InMemoryFormat;
import com.hazelcast.config.MapConfig;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.replay.ResetCause;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
import dev.mesh.common.replay.store.ReplayMaps;
import io.vertx.core.Future;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import java.util.stream.IntStream;
import java.util.stream.LongStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

@ExtendWith(VertxExtension.class)
@DisplayName("replay-service on two clustered nodes")
class ReplayServiceTest {

  private static final Logger LOG = LoggerFactory.getLogger(ReplayServiceTest.class);
  private static final int MAX_PAGE = 100;
  private static ReplayCluster cluster;

  @BeforeAll
  static void startTwoNodes() throws Exception {
    cluster =
        ReplayCluster.start(
            2,
            options ->
                options
                    .withRules(
                        List.of(
                            new ChannelRules.Rule("gapless:*", 2000, Duration.ofMinutes(5)),
                            new ChannelRules.Rule("small:*", 10, Duration.ofMinutes(5)),
                            new ChannelRules.Rule("brief:*", 100, Duration.ofSeconds(1))))
                    .withLimits(1024, MAX_PAGE));
  }

  @AfterAll
  static void stopNodes() {
    cluster.close();
  }

  private static ReplayClient clientOn(int node) {
    return cluster.node(node).client();
  }

  private static PublishRequest event(String channel, String id) {
    return new PublishRequest(
        channel, id, JsonNodeFactory.instance.objectNode().put("id", id), false);
  }

  private static Future<List<PublishResult>> publishMany(int node, String channel, int count) {
    List<PublishRequest> requests =
        IntStream.rangeClosed(1, count).mapToObj(i -> event(channel, "m" + i)).toList();
    return Load.publishAll(clientOn(node), requests, 8);
  }

  private static List<Long> seqs(HistoryPage page) {
    return page.events().stream().map(Envelope::seq).toList();
  }

  private static List<Long> range(long from, long to) {
    return LongStream.rangeClosed(from, to).boxed().toList();
  }

  private static <T> Future<T> expectFailure(Future<?> call, int code) {
    return call.transform(
        ar -> {
          assertThat(ar.failed()).as("the call should fail").isTrue();
          assertThat(ar.cause()).isInstanceOf(ReplyException.class);
          assertThat(((ReplyException) ar.cause()).failureCode())
              .as(ar.cause().getMessage())
              .isEqualTo(code);
          return Future.succeededFuture();
        });
  }

  @Test
  @DisplayName(
      "issue 5 test 1: 1,000 publishes from four publishers on two nodes get unique gap-free seqs; retries make no duplicate")
  void concurrentPublishesAreGapFree(VertxTestContext test) {
    String channel = "gapless:1";
    List<Future<List<PublishResult>>> publishers = new ArrayList<>();
    List<PublishRequest> all = new ArrayList<>();
    for (int p = 0; p < 4; p++) {
      int publisher = p;
      List<PublishRequest> requests =
          IntStream.range(0, 250).mapToObj(i -> event(channel, "p" + publisher + "-" + i)).toList();
      all.addAll(requests);
      publishers.add(Load.publishAll(clientOn(p % 2), requests, 16));
    }
    Map<String, PublishResult> byId = new HashMap<>();
    Future.all(publishers)
        .map(
            done -> {
              for (int p = 0; p < 4; p++) {
                List<PublishResult> results = publishers.get(p).result();
                for (int i = 0; i < results.size(); i++) {
                  byId.put("p" + p + "-" + i, results.get(i));
                }
              }
              assertThat(byId.values())
                  .extracting(PublishResult::epoch)
                  .containsOnly(byId.get("p0-0").epoch());
              assertThat(byId.values()).extracting(PublishResult::duplicate).containsOnly(false);
              assertThat(byId.values().stream().map(PublishResult::seq).sorted().toList())
                  .isEqualTo(range(1, 1000));
              return done;
            })
        // every 5th id again, from the other node, with other data: the original position, nothing
        // appended
        .compose(
            v -> {
              List<Future<PublishResult>> retries = new ArrayList<>();
              for (int i = 0; i < all.size(); i += 5) {
                PublishRequest original = all.get(i);
                retries.add(
                    clientOn((i / 250 + 1) % 2)
                        .publish(channel, original.id(), TextNode.valueOf("retry"), false));
              }
              return Future.all(retries)
                  .map(
                      done -> {
                        for (Future<PublishResult> retry : retries) {
                          PublishResult result = retry.result();
                          assertThat(result.duplicate()).isTrue();
                          assertThat(result.position())
                              .isEqualTo(
                                  byId.get(all.get(retries.indexOf(retry) * 5).id()).position());
                        }
                        return done;
                      });
            })
        // 20 identical publishes at once, from both nodes: one event
        .compose(
            v -> {
              List<Future<PublishResult>> same =
                  IntStream.range(0, 20)
                      .mapToObj(
                          i -> clientOn(i % 2).publish(channel, "same", IntNode.valueOf(i), false))
                      .toList();
              return Future.all(same)
                  .map(
                      done -> {
                        assertThat(same).extracting(f -> f.result().seq()).containsOnly(1001L);
                        assertThat(same).filteredOn(f -> !f.result().duplicate()).hasSize(1);
                        return done;
                      });
            })
        .compose(
            v -> clientOn(0).historySince(channel, new Position(byId.get("p0-0").epoch(), 0), 5000))
        .onComplete(
            test.succeeding(
                history ->
                    test.verify(
                        () -> {
                          assertThat(seqs(history)).isEqualTo(range(1, 1001));
                          Set<String> ids = new HashSet<>();
                          for (Envelope envelope : history.events()) {
                            assertThat(ids.add(envelope.id()))
                                .as("id %s once", envelope.id())
                                .isTrue();
                            if (!envelope.id().equals("same")) {
                              assertThat(byId.get(envelope.id()).seq()).isEqualTo(envelope.seq());
                              assertThat(envelope.data().get("id").asText())
                                  .isEqualTo(envelope.id());
                            }
                          }
                          assertThat(history.more()).isFalse();
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "declares its Hazelcast maps on every member: histories in OBJECT format, both maps with one synchronous backup")
  void declaresMaps() {
    for (ReplayCluster.Node node : cluster.nodes()) {
      MapConfig channels = node.hazelcast().getConfig().getMapConfig(ReplayMaps.CHANNELS);
      MapConfig acks = node.hazelcast().getConfig().getMapConfig(ReplayMaps.ACKS);
      assertThat(channels.getInMemoryFormat()).isEqualTo(InMemoryFormat.OBJECT);
      assertThat(channels.getBackupCount()).isEqualTo(1);
      assertThat(channels.getAsyncBackupCount()).isZero();
      assertThat(acks.getBackupCount()).isEqualTo(1);
    }
  }

  @Test
  @DisplayName("an event is published live, on every node, after it is in the history")
  void publishesLiveAfterAppend(VertxTestContext test) {
    String channel = "live:1";
    MessageConsumer<Envelope> consumer =
        cluster.node(1).vertx().eventBus().consumer(Addresses.channel(channel));
    consumer.handler(
        message -> {
          Envelope envelope = message.body();
          clientOn(1)
              .history(channel, new Position(envelope.epoch(), envelope.seq() - 1), 10)
              .onComplete(
                  test.succeeding(
                      page ->
                          test.verify(
                              () -> {
                                assertThat(envelope.seq()).isEqualTo(1);
                                assertThat(envelope.id()).isEqualTo("hello");
                                assertThat(envelope.critical()).isTrue();
                                assertThat(page.events()).containsExactly(envelope);
                                consumer.unregister();
                                test.completeNow();
                              })));
        });
    consumer
        .completion()
        .compose(v -> clientOn(0).publish(channel, "hello", TextNode.valueOf("world"), true))
        .onComplete(
            test.succeeding(result -> test.verify(() -> assertThat(result.seq()).isEqualTo(1))));
  }

  @Test
  @DisplayName(
      "pages through exactly the events after a position, bounded by the maximum page size")
  void pages(VertxTestContext test) {
    String channel = "paged:1";
    publishMany(0, channel, 220)
        .compose(
            results -> {
              String epoch = results.get(0).epoch();
              return clientOn(1)
                  .history(channel, new Position(epoch, 3), 10)
                  .map(
                      page -> {
                        assertThat(seqs(page)).isEqualTo(range(4, 13));
                        assertThat(page.more()).isTrue();
                        assertThat(page.next()).isEqualTo(new Position(epoch, 13));
                        assertThat(page.head()).isEqualTo(220);
                        return page;
                      })
                  .compose(page -> clientOn(0).history(channel, page.next(), 1000))
                  .map(
                      page -> {
                        assertThat(seqs(page))
                            .as("limit lowered to the maximum page")
                            .isEqualTo(range(14, 113));
                        return page;
                      })
                  .compose(page -> clientOn(1).history(channel, new Position(epoch, 220), null))
                  .map(
                      page -> {
                        assertThat(page.events()).isEmpty();
                        assertThat(page.mustReset()).isFalse();
                        assertThat(page.next()).isEqualTo(new Position(epoch, 220));
                        return page;
                      })
                  .compose(page -> clientOn(0).history(channel, null, 0))
                  .map(
                      page -> {
                        assertThat(page.events()).isEmpty();
                        assertThat(page.head()).isEqualTo(220);
                        assertThat(page.more()).isTrue();
                        return page;
                      })
                  .compose(
                      page -> clientOn(0).historySince(channel, new Position(epoch, 20), 1000));
            })
        .onComplete(
            test.succeeding(
                all ->
                    test.verify(
                        () -> {
                          assertThat(seqs(all))
                              .as("two full pages and a part")
                              .isEqualTo(range(21, 220));
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "issue 5 test 3: a position older than the retained history, of another epoch or ahead gets a reset, never a partial replay")
  void resets(VertxTestContext test) {
    String channel = "small:1";
    publishMany(0, channel, 30)
        .compose(
            results -> {
              String epoch = results.get(0).epoch();
              Consumer<HistoryPage> truncated =
                  page -> {
                    assertThat(page.reset()).isEqualTo(ResetCause.POSITION_TOO_OLD);
                    assertThat(page.events()).isEmpty();
                    assertThat(page.next()).isEqualTo(new Position(epoch, 30));
                  };
              return Future.all(
                  List.of(
                      clientOn(0)
                          .history(channel, new Position(epoch, 5), null)
                          .map(
                              page -> {
                                truncated.accept(page);
                                return page;
                              }),
                      clientOn(1)
                          .history(channel, new Position(epoch, 19), null)
                          .map(
                              page -> {
                                truncated.accept(page);
                                return page;
                              }),
                      clientOn(0)
                          .history(channel, new Position(epoch, 20), null)
                          .map(
                              page -> {
                                assertThat(page.mustReset()).isFalse();
                                assertThat(seqs(page)).isEqualTo(range(21, 30));
                                return page;
                              }),
                      clientOn(1)
                          .history(channel, new Position("not-" + epoch, 20), null)
                          .map(
                              page -> {
                                assertThat(page.reset()).isEqualTo(ResetCause.EPOCH_CHANGED);
                                assertThat(page.events()).isEmpty();
                                assertThat(page.next()).isEqualTo(new Position(epoch, 30));
                                return page;
                              }),
                      clientOn(0)
                          .history(channel, new Position(epoch, 31), null)
                          .map(
                              page -> {
                                assertThat(page.reset()).isEqualTo(ResetCause.AHEAD);
                                return page;
                              }),
                      clientOn(1)
                          .history(channel, null, null)
                          .map(
                              page -> {
                                assertThat(page.mustReset()).isFalse();
                                assertThat(seqs(page))
                                    .as("no position: the retained history")
                                    .isEqualTo(range(21, 30));
                                return page;
                              })));
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "events older than the channel's ttl leave the history: a position before them gets a reset")
  void ageRetention(VertxTestContext test) {
    String channel = "brief:1";
    publishMany(1, channel, 3)
        .compose(results -> awaitReset(new Position(results.get(0).epoch(), 0), channel, 40))
        .compose(epoch -> clientOn(0).history(channel, new Position(epoch, 3), null))
        .onComplete(
            test.succeeding(
                page ->
                    test.verify(
                        () -> {
                          assertThat(page.mustReset())
                              .as("a client at the head missed nothing")
                              .isFalse();
                          assertThat(page.events()).isEmpty();
                          test.completeNow();
                        })));
  }

  /**
   * Asks every 250 ms, up to {@code attempts} times, until the history from {@code after} is a
   * POSITION_TOO_OLD reset.
   */
  private static Future<String> awaitReset(Position after, String channel, int attempts) {
    return clientOn(0)
        .history(channel, after, null)
        .compose(
            page -> {
              if (page.reset() == ResetCause.POSITION_TOO_OLD) {
                return Future.succeededFuture(page.epoch());
              }
              assertThat(page.mustReset()).isFalse();
              assertThat(seqs(page)).as("until it expires, all of it").isEqualTo(range(1, 3));
              if (attempts == 0) {
                return Future.failedFuture("events never expired");
              }
              return cluster
                  .node(0)
                  .vertx()
                  .timer(250, TimeUnit.MILLISECONDS)
                  .compose(v -> awaitReset(after, channel, attempts - 1));
            });
  }

  @Test
  @DisplayName(
      "destroying the history structure gives the channel a new epoch; the old position gets a reset")
  void epochChangesWhenHistoryIsLost(VertxTestContext test) {
    String channel = "doomed:1";
    publishMany(0, channel, 5)
        .compose(
            before ->
                cluster
                    .node(0)
                    .vertx()
                    .executeBlocking(
                        () -> {
                          cluster.node(1).hazelcast().getMap(ReplayMaps.CHANNELS).destroy();
                          return before.get(0).epoch();
                        }))
        .compose(
            oldEpoch ->
                clientOn(1)
                    .publish(channel, "after-loss", TextNode.valueOf("x"), false)
                    .map(
                        result -> {
                          assertThat(result.epoch()).isNotEqualTo(oldEpoch);
                          assertThat(result.seq()).isEqualTo(1);
                          assertThat(result.duplicate()).isFalse();
                          return oldEpoch;
                        }))
        .compose(oldEpoch -> clientOn(0).history(channel, new Position(oldEpoch, 5), null))
        .onComplete(
            test.succeeding(
                page ->
                    test.verify(
                        () -> {
                          assertThat(page.reset()).isEqualTo(ResetCause.EPOCH_CHANGED);
                          assertThat(page.next().seq()).isEqualTo(1);
                          assertThat(page.next().epoch()).isEqualTo(page.epoch());
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "an unknown channel reads as empty at the unborn position and stores nothing; its first epoch continues that position")
  void unknownChannel(VertxTestContext test) {
    String channel = "never:used";
    clientOn(0)
        .history(channel, null, null)
        .compose(
            first -> {
              assertThat(first.events()).isEmpty();
              assertThat(first.mustReset()).isFalse();
              assertThat(first.head()).isZero();
              assertThat(first.next()).isEqualTo(Position.unborn());
              return clientOn(1)
                  .history(channel, first.next(), null)
                  .map(
                      second -> {
                        assertThat(second.mustReset()).isFalse();
                        assertThat(second.next()).isEqualTo(Position.unborn());
                        assertThat(
                                cluster
                                    .nodes()
                                    .get(0)
                                    .hazelcast()
                                    .getMap(ReplayMaps.CHANNELS)
                                    .containsKey(channel))
                            .as("reads created a channel entry")
                            .isFalse();
                        return first;
                      });
            })
        .compose(first -> clientOn(1).publish(channel, "first", TextNode.valueOf("x"), false))
        .compose(
            result -> {
              assertThat(result.position().epoch()).isNotEqualTo(Position.UNBORN_EPOCH);
              assertThat(result.position().seq()).isEqualTo(1);
              return clientOn(0)
                  .history(channel, Position.unborn(), null)
                  .map(
                      fromUnborn -> {
                        assertThat(fromUnborn.mustReset())
                            .as("the unborn position continues into the first epoch")
                            .isFalse();
                        assertThat(fromUnborn.events())
                            .extracting(e -> e.seq())
                            .containsExactly(1L);
                        return fromUnborn;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "refuses bad input with BAD_REQUEST and oversized events with TOO_LARGE, and stores nothing")
  void badInputAndLimits(VertxTestContext test) {
    ReplayClient client = clientOn(0);
    String big = "x".repeat(1100);
    Future.all(
            List.of(
                expectFailure(
                    client.publish("bad channel", "m1", TextNode.valueOf("x"), false),
                    ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.publish("", "m1", TextNode.valueOf("x"), false), ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.publish("limits:1", "bad/id", TextNode.valueOf("x"), false),
                    ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.publish("limits:1", null, TextNode.valueOf("x"), false),
                    ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.publish("limits:1", "m1", TextNode.valueOf(big), false),
                    ErrorCodes.TOO_LARGE),
                expectFailure(
                    client.publish("limits:1", "m1", null, false), ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.publish(
                        new PublishRequest("limits:1", "m1", TextNode.valueOf("x"), false, "a b")),
                    ErrorCodes.BAD_REQUEST),
                expectFailure(client.history("bad channel", null, null), ErrorCodes.BAD_REQUEST),
                expectFailure(client.history("limits:1", null, -1), ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.ack("bad user", "limits:1", new Position("e", 1)),
                    ErrorCodes.BAD_REQUEST),
                expectFailure(
                    client.pendingCritical("u1", "bad channel", null, null),
                    ErrorCodes.BAD_REQUEST)))
        .compose(v -> client.history("limits:1", null, null))
        .compose(
            page -> {
              assertThat(page.head()).as("nothing was appended").isZero();
              return Future.all(
                  expectFailure(
                      client.ack("u1", "limits:1", new Position("not-" + page.epoch(), 0)),
                      ErrorCodes.CONFLICT),
                  // No history: no epoch to acknowledge in, whatever the seq.
                  expectFailure(
                      client.ack("u1", "limits:1", new Position(page.epoch(), 1)),
                      ErrorCodes.CONFLICT),
                  expectFailure(
                      client.ack("u1", "limits:never", new Position(page.epoch(), 0)),
                      ErrorCodes.CONFLICT));
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static double sum(java.util.function.ToDoubleFunction<ReplayMetrics> meter) {
    return cluster.nodes().stream().mapToDouble(node -> meter.applyAsDouble(node.metrics())).sum();
  }

  @Test
  @DisplayName(
      "issue 5 test 7: 1,000 simultaneous identical history reads share far fewer Hazelcast reads, and all get the same exact page")
  void coalescesIdenticalReads(VertxTestContext test) {
    String channel = "storm:1";
    publishMany(0, channel, 40)
        .compose(
            results -> {
              Position position = new Position(results.get(0).epoch(), 0);
              // One storm first, not counted: how many reads a storm shares depends on how close
              // together its requests arrive, and in a fresh test JVM the first storm's requests
              // leave at the speed of code not yet compiled.
              return Future.all(
                      IntStream.range(0, 1000)
                          .mapToObj(i -> clientOn(i % 2).history(channel, position, 40))
                          .toList())
                  .map(warm -> position);
            })
        .compose(
            position -> {
              double readsBefore = sum(ReplayMetrics::storeReads);
              double sharedBefore = sum(ReplayMetrics::coalescedReads);
              List<Future<HistoryPage>> storm =
                  IntStream.range(0, 1000)
                      .mapToObj(i -> clientOn(i % 2).history(channel, position, 40))
                      .toList();
              return Future.all(storm)
                  .map(
                      done -> {
                        for (Future<HistoryPage> page : storm) {
                          assertThat(seqs(page.result())).isEqualTo(range(1, 40));
                        }
                        double reads = sum(ReplayMetrics::storeReads) - readsBefore;
                        double shared = sum(ReplayMetrics::coalescedReads) - sharedBefore;
                        LOG.info(
                            "event=coalescing requests=1000 hazelcastReads={} shared={}",
                            (long) reads,
                            (long) shared);
                        assertThat(reads + shared).isEqualTo(1000);
                        // How many reads a storm needs is how long its requests take to arrive
                        // divided by how long a read takes (a request waits for the next read):
                        // 95-127 run alone on a quiet 2-core machine, 21-71 after the class's
                        // other tests. Without sharing it would be 1,000.
                        assertThat(reads)
                            .as("Hazelcast reads for 1,000 identical requests")
                            .isLessThanOrEqualTo(250);
                        return done;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "critical events stay pending per user until acked (cumulatively, never backwards); others' acks do not count; a cursor can be opened where a user starts")
  void criticalEventsAndAcks(VertxTestContext test) {
    String channel = ReplayClient.userChannel("alice");
    ReplayClient client = clientOn(0);
    client
        .sendToUser("alice", "c1", TextNode.valueOf("one"), true)
        .compose(r -> client.sendToUser("alice", "n2", TextNode.valueOf("two"), false))
        .compose(r -> client.sendToUser("alice", "c3", TextNode.valueOf("three"), true))
        .compose(
            last ->
                clientOn(1)
                    .pendingCritical("alice", channel, null, null)
                    .map(
                        pending -> {
                          assertThat(pending.events())
                              .extracting(Envelope::id)
                              .containsExactly("c1", "c3");
                          assertThat(pending.acked()).isZero();
                          assertThat(pending.epoch()).isEqualTo(last.epoch());
                          return last.epoch();
                        }))
        .compose(
            epoch ->
                client
                    .ack("alice", channel, new Position(epoch, 1))
                    .map(
                        ack -> {
                          assertThat(ack.seq()).isEqualTo(1);
                          return epoch;
                        }))
        .compose(
            epoch ->
                clientOn(1)
                    .pendingCritical("alice", channel, null, null)
                    .map(
                        pending -> {
                          assertThat(pending.events())
                              .extracting(Envelope::seq)
                              .containsExactly(3L);
                          assertThat(pending.acked()).isEqualTo(1);
                          return epoch;
                        }))
        .compose(
            epoch ->
                client
                    .ack("alice", channel, new Position(epoch, 3))
                    .compose(ack -> clientOn(1).ack("alice", channel, new Position(epoch, 2)))
                    .map(
                        ack -> {
                          assertThat(ack.seq())
                              .as("an older ack does not move it back")
                              .isEqualTo(3);
                          return epoch;
                        }))
        .compose(
            epoch ->
                client
                    .openAcks("alice", channel, new Position(epoch, 0))
                    .map(
                        ack -> {
                          assertThat(ack.seq()).as("opening keeps an existing cursor").isEqualTo(3);
                          return epoch;
                        }))
        .compose(
            epoch ->
                client
                    .openAcks("dave", channel, new Position(epoch, 2))
                    .compose(ack -> clientOn(1).pendingCritical("dave", channel, null, null))
                    .map(
                        pending -> {
                          assertThat(pending.events())
                              .as("a cursor opened at 2 owes only what follows")
                              .extracting(Envelope::id)
                              .containsExactly("c3");
                          return epoch;
                        }))
        .compose(
            epoch ->
                Future.all(
                        clientOn(0).pendingCritical("alice", channel, null, null),
                        clientOn(1).pendingCritical("bob", channel, null, null),
                        clientOn(0).pendingCritical("bob", channel, new Position(epoch, 2), null),
                        clientOn(1).pendingCritical("alice", "nothing:here", null, null))
                    .map(
                        all -> {
                          assertThat(
                                  all.<dev.mesh.common.replay.PendingCritical>resultAt(0).events())
                              .isEmpty();
                          assertThat(
                                  all.<dev.mesh.common.replay.PendingCritical>resultAt(1).events())
                              .extracting(Envelope::id)
                              .containsExactly("c1", "c3");
                          assertThat(
                                  all.<dev.mesh.common.replay.PendingCritical>resultAt(2).events())
                              .extracting(Envelope::id)
                              .containsExactly("c3");
                          assertThat(
                                  all.<dev.mesh.common.replay.PendingCritical>resultAt(3).epoch())
                              .isNull();
                          return all;
                        }))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "resume-acks answers many users at once as an initial ack and a pending read would one by one")
  void resumeAcksForManyUsers(VertxTestContext test) {
    String channel = "room:resume-acks";
    ReplayClient client = clientOn(0);
    client
        .publish(channel, "c1", TextNode.valueOf("one"), true)
        .compose(r -> client.publish(channel, "n2", TextNode.valueOf("two"), false))
        .compose(r -> client.publish(channel, "c3", TextNode.valueOf("three"), true))
        .compose(
            last ->
                client.ack("erin", channel, new Position(last.epoch(), 1)).map(ack -> last.epoch()))
        .compose(
            epoch ->
                clientOn(1)
                    .resumeAcks(
                        channel,
                        List.of(
                            new ResumeAcksRequest.User("erin", epoch, 3),
                            new ResumeAcksRequest.User("frank", epoch, 0),
                            new ResumeAcksRequest.User("gina", epoch, 2),
                            new ResumeAcksRequest.User("hank", "another-epoch", 0),
                            new ResumeAcksRequest.User("ivan", epoch, 4),
                            new ResumeAcksRequest.User("gina", epoch, 0)),
                        true,
                        null)
                    .map(
                        reply -> {
                          assertThat(reply.users())
                              .extracting(ResumeAcks.User::userId)
                              .as("one answer per user, in the order asked")
                              .containsExactly("erin", "frank", "gina", "hank", "ivan");
                          assertThat(reply.users())
                              .extracting(ResumeAcks.User::epoch)
                              .containsOnly(epoch);
                          assertThat(reply.users())
                              .extracting(ResumeAcks.User::acked)
                              .as("an existing cursor is kept; refused positions open nothing")
                              .containsExactly(1L, 0L, 2L, 0L, 0L);
                          assertThat(reply.users())
                              .extracting(ResumeAcks.User::through)
                              .as("each user's slice ends at the last of its own events")
                              .containsOnly(3L);
                          assertThat(reply.users())
                              .extracting(ResumeAcks.User::own)
                              .as("how many of its own each user's slice holds")
                              .containsExactly(1, 2, 1, 2, 2);
                          assertThat(reply.users())
                              .extracting(
                                  u ->
                                      reply.pendingOf(u).events().stream()
                                          .map(Envelope::id)
                                          .toList())
                              .containsExactly(
                                  List.of("c3"),
                                  List.of("c1", "c3"),
                                  List.of("c3"),
                                  List.of("c1", "c3"),
                                  List.of("c1", "c3"));
                          return epoch;
                        }))
        .compose(
            epoch ->
                Future.all(
                        client.resumeAcks(
                            channel,
                            List.of(
                                new ResumeAcksRequest.User("gina", epoch, 0),
                                new ResumeAcksRequest.User("ivan", epoch, 0)),
                            false,
                            1),
                        client.pendingCritical("gina", channel, null, 1),
                        client.pendingCritical("ivan", channel, null, 1),
                        client.openAcks("gina", channel, new Position(epoch, 0)),
                        client.resumeAcks(
                            "nothing:there",
                            List.of(new ResumeAcksRequest.User("gina", epoch, 0)),
                            true,
                            null))
                    .map(
                        all -> {
                          ResumeAcks shared = all.resultAt(0);
                          PendingCritical gina = all.resultAt(1);
                          PendingCritical ivan = all.resultAt(2);
                          assertThat(shared.users())
                              .extracting(shared::pendingOf)
                              .as("without open: the cursors as they are, the same as one by one")
                              .containsExactly(gina, ivan);
                          assertThat(shared.users().get(1).more()).isTrue();
                          assertThat(all.<AckResult>resultAt(3).seq())
                              .as("the cursor it opened is stored")
                              .isEqualTo(2);
                          ResumeAcks none = all.resultAt(4);
                          assertThat(none.users().get(0).epoch()).isNull();
                          assertThat(none.pendingOf(none.users().get(0)).events()).isEmpty();
                          return epoch;
                        }))
        .compose(
            epoch ->
                expectFailure(
                    client.resumeAcks(channel, List.of(), true, null), ErrorCodes.BAD_REQUEST))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "resume-acks sends each pending event once; each user's slice is exactly its own pending events")
  void resumeAcksSendsEachEventOnce(VertxTestContext test) {
    String channel = "room:resume-once";
    // A user id as tokens allow it (an e-mail address): one such user must not fail the batch.
    String emailUser = "jane.doe@example.com";
    ReplayClient client = clientOn(0);
    List<PublishRequest> events =
        IntStream.rangeClosed(1, 6)
            .mapToObj(i -> new PublishRequest(channel, "c" + i, IntNode.valueOf(i), i % 3 != 0))
            .toList();
    Load.publishAll(client, events, 1)
        .map(published -> published.get(0).epoch())
        .compose(
            epoch ->
                clientOn(1)
                    .resumeAcks(
                        channel,
                        List.of(
                            new ResumeAcksRequest.User(emailUser, epoch, 1),
                            new ResumeAcksRequest.User("high", epoch, 3)),
                        true,
                        null)
                    .compose(
                        reply ->
                            Future.all(
                                    client.pendingCritical(emailUser, channel, null, null),
                                    client.pendingCritical("high", channel, null, null))
                                .map(
                                    alone -> {
                                      assertThat(reply.epoch()).isEqualTo(epoch);
                                      assertThat(reply.events())
                                          .extracting(Envelope::id)
                                          .as("every pending event once, ascending")
                                          .containsExactly("c2", "c4", "c5");
                                      assertThat(reply.users())
                                          .extracting(reply::pendingOf)
                                          .as("each user's own, as mesh.replay.pending says")
                                          .containsExactly(alone.resultAt(0), alone.resultAt(1));
                                      assertThat(reply.pendingOf(reply.users().get(1)).events())
                                          .extracting(Envelope::id)
                                          .containsExactly("c4", "c5");
                                      return null;
                                    })))
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "resume-acks serves every cursor one read covers; past 8 reads the other users read alone")
  void resumeAcksBoundsItsReads(VertxTestContext test) {
    String channel = "room:resume-reads";
    ReplayClient client = clientOn(0);
    List<PublishRequest> events =
        IntStream.rangeClosed(1, 15)
            .mapToObj(i -> new PublishRequest(channel, "r" + i, IntNode.valueOf(i), true))
            .toList();
    Load.publishAll(client, events, 1)
        .map(published -> published.get(0).epoch())
        .compose(
            epoch -> {
              // Twelve distinct cursors (0 to 11), the one at 0 shared by four users.
              List<ResumeAcksRequest.User> users = new ArrayList<>();
              for (int i = 0; i < 12; i++) {
                users.add(new ResumeAcksRequest.User("d" + i, epoch, i));
              }
              for (int i = 1; i <= 3; i++) {
                users.add(new ResumeAcksRequest.User("shared" + i, epoch, 0));
              }
              return clientOn(1)
                  .resumeAcks(channel, users, true, null)
                  .compose(reply -> readAlone(client, channel, users, reply, null))
                  .map(
                      alone -> {
                        assertThat(alone)
                            .as("one read from cursor 0 reaches the head: it serves all twelve")
                            .isEmpty();
                        return null;
                      })
                  .compose(
                      v ->
                          clientOn(1)
                              .resumeAcks(channel, users, false, 2)
                              .compose(reply -> readAlone(client, channel, users, reply, 2)))
                  .map(
                      alone -> {
                        // With 2 events a read, each read covers one cursor: 0 to 7 are read.
                        assertThat(alone)
                            .as("8 reads at most: the users of cursors 8 to 11 read alone")
                            .containsExactly("d8", "d9", "d10", "d11");
                        return null;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  /**
   * The users of {@code reply} told to read on alone; every other user's slice checked against what
   * {@code mesh.replay.pending} says for it alone.
   */
  private static Future<List<String>> readAlone(
      ReplayClient client,
      String channel,
      List<ResumeAcksRequest.User> users,
      ResumeAcks reply,
      Integer limit) {
    return Future.all(
            users.stream()
                .map(u -> client.pendingCritical(u.userId(), channel, null, limit))
                .toList())
        .map(
            alone -> {
              List<String> toReadAlone = new ArrayList<>();
              for (int i = 0; i < users.size(); i++) {
                ResumeAcks.User user = reply.users().get(i);
                PendingCritical shared = reply.pendingOf(user);
                PendingCritical own = alone.resultAt(i);
                assertThat(own.events()).isNotEmpty();
                if (reply.cutShort(user, shared)) {
                  assertThat(shared.events()).isEmpty();
                  toReadAlone.add(user.userId());
                } else {
                  assertThat(shared)
                      .as(user.userId() + " gets what pending says for it alone")
                      .isEqualTo(own);
                }
              }
              return toReadAlone;
            });
  }

  @Test
  @DisplayName(
      "resume-acks keeps its events within the byte bound; users cut by it are told more, the others not")
  void resumeAcksBoundsItsBytes(VertxTestContext test) {
    String channel = "gapless:resume-bytes";
    ReplayClient client = clientOn(0);
    // 800 critical events of about 1 KiB (the cluster's largest): eight users whose cursors are 100
    // apart together owe all of them, more than ResumeAcks.MAX_EVENTS_BYTES.
    String filler = "x".repeat(1000);
    List<PublishRequest> events =
        IntStream.rangeClosed(1, 800)
            .mapToObj(i -> new PublishRequest(channel, "b" + i, TextNode.valueOf(filler), true))
            .toList();
    Load.publishAll(client, events, 8)
        .map(published -> published.get(0).epoch())
        .compose(
            epoch -> {
              List<ResumeAcksRequest.User> users =
                  IntStream.range(0, 8)
                      .mapToObj(i -> new ResumeAcksRequest.User("u" + i, epoch, i * 100L))
                      .toList();
              return clientOn(1)
                  .resumeAcks(channel, users, true, null)
                  .compose(
                      reply ->
                          Future.all(
                                  users.stream()
                                      .map(
                                          u ->
                                              client.pendingCritical(
                                                  u.userId(), channel, null, null))
                                      .toList())
                              .map(alone -> check(reply, alone.list())));
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static Void check(ResumeAcks reply, List<PendingCritical> alone) {
    long bytes =
        reply.events().stream()
            .mapToLong(
                e ->
                    e.data().toString().getBytes(StandardCharsets.UTF_8).length
                        + ResumeAcks.EVENT_OVERHEAD_BYTES)
            .sum();
    assertThat(bytes).isLessThanOrEqualTo(ResumeAcks.MAX_EVENTS_BYTES);
    long perEvent = 1002 + ResumeAcks.EVENT_OVERHEAD_BYTES;
    long fit = ResumeAcks.MAX_EVENTS_BYTES / perEvent;
    assertThat(reply.events())
        .extracting(Envelope::seq)
        .as("the events from the first, ascending, as many as the bound holds")
        .containsExactlyElementsOf(range(1, fit));
    for (int i = 0; i < alone.size(); i++) {
      ResumeAcks.User user = reply.users().get(i);
      PendingCritical slice = reply.pendingOf(user);
      PendingCritical own = alone.get(i);
      assertThat(own.events()).hasSize(MAX_PAGE);
      assertThat(own.events().subList(0, slice.events().size()))
          .as("a user's slice begins its own pending events")
          .isEqualTo(slice.events());
      if (own.events().get(MAX_PAGE - 1).seq() <= fit) {
        assertThat(slice).as(user.userId() + " was not cut").isEqualTo(own);
        assertThat(reply.cutShort(user, slice)).isFalse();
      } else {
        assertThat(user.more()).as(user.userId() + " was cut").isTrue();
        assertThat(reply.cutShort(user, slice)).isTrue();
        assertThat(slice.events()).hasSize((int) Math.max(0, fit - i * 100L));
      }
    }
    assertThat(reply.users())
        .filteredOn(u -> reply.cutShort(u, reply.pendingOf(u)))
        .extracting(ResumeAcks.User::userId)
        .as("cut: the users whose pending events go past the bound")
        .containsExactly("u6", "u7");
    return null;
  }

  @Test
  @DisplayName(
      "direct messages to a user go to the user's stream and are replayed from a position like any channel")
  void userStream(VertxTestContext test) {
    ReplayClient client = clientOn(1);
    client
        .history(ReplayClient.userChannel("carol"), null, 0)
        .compose(
            start ->
                client
                    .sendToUser("carol", "dm1", TextNode.valueOf("while away 1"), false)
                    .compose(
                        r ->
                            clientOn(0)
                                .sendToUser(
                                    "carol", "dm2", TextNode.valueOf("while away 2"), false))
                    .compose(
                        r ->
                            clientOn(0)
                                .history(ReplayClient.userChannel("carol"), start.next(), null)))
        .onComplete(
            test.succeeding(
                page ->
                    test.verify(
                        () -> {
                          assertThat(page.events())
                              .extracting(Envelope::id)
                              .containsExactly("dm1", "dm2");
                          assertThat(page.events())
                              .extracting(Envelope::seq)
                              .containsExactly(1L, 2L);
                          test.completeNow();
                        })));
  }

  @Test
  @DisplayName(
      "measures publish latency, publish throughput and the resume of 100 missed events (logged, sanity-checked)")
  void measures(VertxTestContext test) {
    ReplayClient client = clientOn(0);
    List<Long> latencies = new ArrayList<>();
    // Warm-up (JIT) so that the numbers describe the service rather than a cold JVM.
    Future<Void> sequential =
        publishMany(1, "measure:warmup", 1000)
            .compose(
                r ->
                    Load.run(
                        IntStream.range(0, 200).boxed().toList(),
                        4,
                        i ->
                            clientOn(i % 2)
                                .history(
                                    "measure:warmup",
                                    new Position(r.get(0).epoch(), 800 - i),
                                    100)))
            .mapEmpty();
    for (int i = 0; i < 500; i++) {
      String id = "seq" + i;
      sequential =
          sequential.compose(
              v -> {
                long started = System.nanoTime();
                return client
                    .publish("measure:latency", id, TextNode.valueOf("x".repeat(100)), false)
                    .map(
                        r -> {
                          latencies.add(System.nanoTime() - started);
                          return null;
                        });
              });
    }
    List<PublishRequest> burst =
        IntStream.range(0, 4000).mapToObj(i -> event("measure:rate" + (i % 20), "b" + i)).toList();
    long[] burstNanos = new long[1];
    List<Long> resumes = new ArrayList<>();
    sequential
        .compose(
            v -> {
              long started = System.nanoTime();
              return Future.all(
                      Load.publishAll(clientOn(0), burst.subList(0, 2000), 64),
                      Load.publishAll(clientOn(1), burst.subList(2000, 4000), 64))
                  .map(
                      done -> {
                        burstNanos[0] = System.nanoTime() - started;
                        return done;
                      });
            })
        .compose(v -> client.history("measure:latency", null, 0))
        .compose(
            head -> {
              Future<Void> chain = Future.succeededFuture();
              for (int i = 0; i < 30; i++) {
                Position missedFrom = new Position(head.epoch(), head.head() - 100 - i);
                chain =
                    chain.compose(
                        v -> {
                          long started = System.nanoTime();
                          return clientOn(1)
                              .historySince("measure:latency", missedFrom, 100)
                              .map(
                                  page -> {
                                    resumes.add(System.nanoTime() - started);
                                    assertThat(page.events()).hasSize(100);
                                    return null;
                                  });
                        });
              }
              return chain;
            })
        .onComplete(
            test.succeeding(
                v ->
                    test.verify(
                        () -> {
                          double perSecond = burst.size() / (burstNanos[0] / 1e9);
                          LOG.info(
                              "event=measured publishP50Micros={} publishP99Micros={} publishesPerSecond={} (4,000 over 20 channels,"
                                  + " 64 in flight from each of 2 nodes) resume100P50Micros={} resume100P99Micros={}",
                              percentile(latencies, 50),
                              percentile(latencies, 99),
                              Math.round(perSecond),
                              percentile(resumes, 50),
                              percentile(resumes, 99));
                          assertThat(latencies).hasSize(500);
                          assertThat(perSecond).isPositive();
                          test.completeNow();
                        })));
  }

  private static long percentile(List<Long> nanos, int percent) {
    List<Long> sorted = nanos.stream().sorted().toList();
    return sorted.get(Math.min(sorted.size() - 1, sorted.size() * percent / 100)) / 1000;
  }
}
