package dev.mesh.connection.registry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.registry.RegisterConnection;
import dev.mesh.common.registry.Registry;
import dev.mesh.common.registry.RegistryEntry;
import dev.mesh.common.registry.UserConnections;
import dev.mesh.common.testing.TestClusters;
import dev.mesh.connection.support.EdgeNodes;
import io.vertx.core.CompositeFuture;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

@ExtendWith(VertxExtension.class)
@DisplayName(
    "Registry writes of connections admitted together go in batches, with the same outcome")
class RegistryBatchTest {

  private final EdgeNodes nodes = new EdgeNodes(TestClusters.fresh());

  @AfterEach
  void stop() throws Exception {
    nodes.close();
  }

  /** An edge (a lite member) whose registry lives on two data members: two partition owners. */
  private Future<MeshNode> edgeBesideTwoDataMembers() {
    return nodes
        .start()
        .compose(edge -> nodes.startDataMember().map(second -> edge.running().node()));
  }

  private static RegistryEntry attempt(String user, String connectionId, String page, long millis) {
    return new RegistryEntry(
        new ConnectionIdentity(user, "s", "t", page, connectionId, "node-x"),
        Transport.WEBSOCKET,
        Instant.parse("2026-12-04T00:00:00Z").plusMillis(millis));
  }

  @Test
  @DisplayName(
      "40 registrations in one turn (two data members, the same page twice, a stale attempt): a few calls, "
          + "one entry per page, each registration its own answer")
  void batched(VertxTestContext test) {
    List<Integer> batchSizes = new CopyOnWriteArrayList<>();
    edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context context = node.vertx().getOrCreateContext();
              RegistryClient registry = new RegistryClient(node, context, batchSizes::add);
              Promise<List<RegisterConnection.Result>> all = Promise.promise();
              context.runOnContext(
                  v -> {
                    List<Future<RegisterConnection.Result>> results = new ArrayList<>();
                    for (int i = 0; i < 36; i++) {
                      results.add(registry.register(attempt("u" + i, "c" + i, "p", 0), 10, false));
                    }
                    // The same page twice in this turn, the newer second; then an older attempt of
                    // it arriving late.
                    results.add(registry.register(attempt("dup", "old", "page", 0), 10, false));
                    results.add(registry.register(attempt("dup", "new", "page", 100), 10, false));
                    results.add(registry.register(attempt("dup", "stale", "page", 50), 10, false));
                    results.add(registry.register(attempt("dup", "tab2", "other", 10), 10, false));
                    Future.all(results)
                        .map(f -> f.<RegisterConnection.Result>list())
                        .onComplete(all);
                  });
              return all.future()
                  .compose(
                      results ->
                          node.vertx()
                              .executeBlocking(
                                  () -> {
                                    Map<String, UserConnections> stored =
                                        Registry.users(node.hazelcast())
                                            .getAll(
                                                new java.util.HashSet<>(
                                                    java.util.stream.Stream.concat(
                                                            java.util.stream.IntStream.range(0, 36)
                                                                .mapToObj(i -> "u" + i),
                                                            java.util.stream.Stream.of("dup"))
                                                        .toList()));
                                    test.verify(
                                        () -> {
                                          assertThat(
                                                  batchSizes.stream()
                                                      .mapToInt(Integer::intValue)
                                                      .sum())
                                              .isEqualTo(40);
                                          assertThat(batchSizes)
                                              .as(
                                                  "calls: at most %d registrations each",
                                                  RegistryClient.MAX_BATCH)
                                              .allMatch(size -> size <= RegistryClient.MAX_BATCH);
                                          assertThat(batchSizes.size())
                                              .as("far fewer calls than registrations")
                                              .isLessThanOrEqualTo(10);
                                          assertThat(results.subList(0, 36))
                                              .allMatch(RegisterConnection.Result::accepted);
                                          assertThat(results.get(36).accepted()).isTrue();
                                          assertThat(results.get(37).displaced())
                                              .extracting(RegistryEntry::connectionId)
                                              .containsExactly("old");
                                          assertThat(results.get(38).superseded()).isTrue();
                                          assertThat(results.get(39).count()).isEqualTo(2);
                                          assertThat(stored).hasSize(37);
                                          for (int i = 0; i < 36; i++) {
                                            assertThat(stored.get("u" + i).connections())
                                                .extracting(RegistryEntry::connectionId)
                                                .containsExactly("c" + i);
                                          }
                                          assertThat(stored.get("dup").connections())
                                              .extracting(RegistryEntry::connectionId)
                                              .containsExactly("new", "tab2");
                                        });
                                    return stored;
                                  }));
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "8 registrations asked a millisecond apart, each in its own turn: one call each without a "
          + "window; within one, the first (after a quiet spell) alone and the 7 that kept "
          + "coming in shared calls; every one accepted")
  void windowed(VertxTestContext test) {
    List<Integer> turnCalls = new CopyOnWriteArrayList<>();
    List<Integer> windowCalls = new CopyOnWriteArrayList<>();
    edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context turnContext = node.vertx().getOrCreateContext();
              Context windowContext = node.vertx().getOrCreateContext();
              RegistryClient byTurn =
                  new RegistryClient(node, turnContext, turnCalls::add, Duration.ZERO);
              // Far longer than the 8 ms of asking, however busy the machine.
              RegistryClient byWindow =
                  new RegistryClient(node, windowContext, windowCalls::add, Duration.ofSeconds(2));
              return apart(byTurn, turnContext, "turn")
                  .compose(
                      results ->
                          apart(byWindow, windowContext, "window")
                              .map(more -> List.of(results, more)))
                  .map(
                      both -> {
                        test.verify(
                            () -> {
                              assertThat(both)
                                  .allSatisfy(
                                      results ->
                                          assertThat(results)
                                              .hasSize(8)
                                              .allMatch(RegisterConnection.Result::accepted));
                              assertThat(turnCalls)
                                  .as("without a window: a registration alone in its turn")
                                  .hasSize(8)
                                  .containsOnly(1);
                              assertThat(windowCalls.stream().mapToInt(Integer::intValue).sum())
                                  .isEqualTo(8);
                              assertThat(windowCalls.get(0))
                                  .as("the first, after nothing, is not held for the window")
                                  .isEqualTo(1);
                              assertThat(windowCalls.subList(1, windowCalls.size()))
                                  .as("the 7 within the window: one call per partition owner (two)")
                                  .hasSizeLessThanOrEqualTo(2);
                            });
                        return null;
                      });
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a window of a minute: a registration after a quiet spell is answered at once, and the two "
          + "that follow it within the window wait for it and share one call")
  void quietRegistrationIsNotHeld(VertxTestContext test) {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    // Longer than the test's own timeout: a registration held for it fails the test.
    onOwnClient(
            Duration.ofMinutes(1),
            calls,
            (registry, context) -> {
              Future<RegisterConnection.Result> first =
                  registry.register(attempt("q", "q-c", "p", 0), 10, false);
              return first.compose(
                  answered -> {
                    test.verify(
                        () ->
                            assertThat(calls)
                                .as("the first alone, at the end of its turn")
                                .containsExactly(1));
                    // Same user, so one partition owner: one call when gathered.
                    Future<RegisterConnection.Result> second =
                        registry.register(attempt("q", "q-c2", "p2", 1), 10, false);
                    return context
                        .owner()
                        .timer(1, TimeUnit.MILLISECONDS)
                        .compose(
                            t -> {
                              Future<RegisterConnection.Result> third =
                                  registry.register(attempt("q", "q-c3", "p3", 2), 10, false);
                              test.verify(
                                  () ->
                                      assertThat(calls)
                                          .as("the two that kept coming wait")
                                          .containsExactly(1));
                              registry.stopGathering();
                              return Future.all(first, second, third);
                            });
                  });
            })
        .onComplete(
            test.succeeding(
                results -> {
                  test.verify(
                      () -> {
                        assertThat(results)
                            .hasSize(3)
                            .allMatch(RegisterConnection.Result::accepted);
                        assertThat(calls).containsExactly(1, 2);
                      });
                  test.completeNow();
                }));
  }

  @Test
  @DisplayName(
      "a window of 1 s: a registration more than a window after the previous one leaves at the end "
          + "of its turn, as the first did")
  void quietAgainAfterAWindow(VertxTestContext test) {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    onOwnClient(
            Duration.ofSeconds(1),
            calls,
            (registry, context) -> {
              Future<RegisterConnection.Result> first =
                  registry.register(attempt("w", "w-c", "p", 0), 10, false);
              // Queued after the end of the registration's turn: the call has left by then.
              context.runOnContext(
                  check -> test.verify(() -> assertThat(calls).as("the first").containsExactly(1)));
              return first
                  .compose(answered -> context.owner().timer(1_200, TimeUnit.MILLISECONDS))
                  .compose(
                      t -> {
                        Future<RegisterConnection.Result> later =
                            registry.register(attempt("w", "w-c2", "p2", 1), 10, false);
                        Promise<Void> checked = Promise.promise();
                        context.runOnContext(
                            check -> {
                              test.verify(
                                  () ->
                                      assertThat(calls)
                                          .as("1.2 s later: not held for the window")
                                          .containsExactly(1, 1));
                              checked.complete();
                            });
                        return checked.future().compose(v -> Future.all(first, later));
                      });
            })
        .onComplete(
            test.succeeding(
                results -> {
                  test.verify(
                      () ->
                          assertThat(results)
                              .hasSize(2)
                              .allMatch(RegisterConnection.Result::accepted));
                  test.completeNow();
                }));
  }

  /** What a test asks of a registry client of its own, on the client's context. */
  private interface ClientSteps {
    Future<CompositeFuture> run(RegistryClient registry, Context context);
  }

  /**
   * Runs {@code steps} on the context of a new client with {@code window} (its calls' sizes go to
   * {@code calls}), on an edge beside two data members; completes with the steps' results.
   */
  private Future<List<RegisterConnection.Result>> onOwnClient(
      Duration window, List<Integer> calls, ClientSteps steps) {
    return edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context context = node.vertx().getOrCreateContext();
              RegistryClient registry = new RegistryClient(node, context, calls::add, window);
              Promise<CompositeFuture> done = Promise.promise();
              context.runOnContext(v -> steps.run(registry, context).onComplete(done));
              return done.future().map(all -> all.<RegisterConnection.Result>list());
            });
  }

  @Test
  @DisplayName(
      "17 registrations in one window: 16 leave at once, the 17th waits in a new window until the "
          + "loop stops gathering, and every one is answered")
  void fullBatchLeavesEarly(VertxTestContext test) {
    List<Integer> calls = new CopyOnWriteArrayList<>();
    edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context context = node.vertx().getOrCreateContext();
              // A window no test waits out: only a full batch, or the stop, sends anything.
              RegistryClient registry =
                  new RegistryClient(node, context, calls::add, Duration.ofMinutes(1));
              Promise<List<RegisterConnection.Result>> answered = Promise.promise();
              context.runOnContext(
                  v -> {
                    List<Future<RegisterConnection.Result>> full = new ArrayList<>();
                    for (int i = 0; i < RegistryClient.MAX_BATCH; i++) {
                      full.add(registry.register(attempt("f" + i, "f-c" + i, "p", 0), 10, false));
                    }
                    Future<RegisterConnection.Result> last =
                        registry.register(attempt("last", "last-c", "p", 0), 10, false);
                    Future.all(full)
                        .onComplete(
                            done -> {
                              test.verify(
                                  () ->
                                      assertThat(calls.stream().mapToInt(Integer::intValue).sum())
                                          .as("the full batch left, the 17th still waits")
                                          .isEqualTo(RegistryClient.MAX_BATCH));
                              registry.stopGathering();
                              List<Future<RegisterConnection.Result>> all = new ArrayList<>(full);
                              all.add(last);
                              Future.all(all)
                                  .map(f -> f.<RegisterConnection.Result>list())
                                  .onComplete(answered);
                            });
                  });
              return answered.future();
            })
        .onComplete(
            test.succeeding(
                results -> {
                  test.verify(
                      () -> {
                        assertThat(results)
                            .hasSize(RegistryClient.MAX_BATCH + 1)
                            .allMatch(RegisterConnection.Result::accepted);
                        assertThat(calls.stream().mapToInt(Integer::intValue).sum())
                            .isEqualTo(RegistryClient.MAX_BATCH + 1);
                      });
                  test.completeNow();
                }));
  }

  @Test
  @DisplayName(
      "36 closes in one turn (two data members, one asked twice, one unknown): a few calls, each "
          + "removal its own answer, the registry left with exactly the rest")
  void removalsBatched(VertxTestContext test) {
    List<Integer> removalSizes = new CopyOnWriteArrayList<>();
    edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context context = node.vertx().getOrCreateContext();
              RegistryClient registry =
                  new RegistryClient(node, context, size -> {}, removalSizes::add, Duration.ZERO);
              Promise<List<Boolean>> removed = Promise.promise();
              context.runOnContext(
                  v -> {
                    List<Future<RegisterConnection.Result>> registered = new ArrayList<>();
                    for (int i = 0; i < 34; i++) {
                      registered.add(
                          registry.register(attempt("u" + i, "c" + i, "p", 0), 10, false));
                      registered.add(
                          registry.register(attempt("u" + i, "d" + i, "q", 0), 10, false));
                    }
                    Future.all(registered)
                        .compose(
                            all -> {
                              List<Future<Boolean>> removals = new ArrayList<>();
                              for (int i = 0; i < 34; i++) {
                                removals.add(registry.unregister("u" + i, "c" + i));
                              }
                              return Future.all(removals).map(f -> f.<Boolean>list());
                            })
                        .compose(
                            first ->
                                // Asked once the first removals are answered: a second removal
                                // of one of them, and one of a connection never registered.
                                Future.all(
                                        registry.unregister("u0", "c0"),
                                        registry.unregister("u1", "unknown"))
                                    .map(
                                        second -> {
                                          List<Boolean> all = new ArrayList<>(first);
                                          all.addAll(second.<Boolean>list());
                                          return all;
                                        }))
                        .onComplete(removed);
                  });
              return removed
                  .future()
                  .compose(
                      results ->
                          node.vertx()
                              .executeBlocking(
                                  () -> {
                                    Map<String, UserConnections> stored =
                                        Registry.users(node.hazelcast()).getAll(users(34));
                                    test.verify(
                                        () -> {
                                          assertThat(results.subList(0, 34)).containsOnly(true);
                                          assertThat(results.subList(34, 36))
                                              .as("asked twice, and a connection never registered")
                                              .containsExactly(false, false);
                                          assertThat(
                                                  removalSizes.stream()
                                                      .mapToInt(Integer::intValue)
                                                      .sum())
                                              .isEqualTo(36);
                                          assertThat(removalSizes)
                                              .allMatch(size -> size <= RegistryClient.MAX_BATCH);
                                          assertThat(removalSizes.size())
                                              .as("far fewer calls than removals")
                                              .isLessThanOrEqualTo(8);
                                          assertThat(stored).hasSize(34);
                                          for (int i = 0; i < 34; i++) {
                                            assertThat(stored.get("u" + i).connections())
                                                .extracting(RegistryEntry::connectionId)
                                                .containsExactly("d" + i);
                                          }
                                        });
                                    return stored;
                                  }));
            })
        .onComplete(test.succeedingThenComplete());
  }

  @Test
  @DisplayName(
      "a user at the limit of 1: a new connection asked in the same turn as the old one's close "
          + "(even before it, among 20 other closes sent in batches) is accepted: its removal lands first")
  void removalLeavesBeforeRegistrationOfItsTurn(VertxTestContext test) {
    newConnectionBesideItsClose(test, true);
  }

  @Test
  @DisplayName(
      "a user at the limit of 1: a new connection asked right after the old one's close (among 20 "
          + "other closes, sent in batches by the turn's end before it) is accepted: it waits for the "
          + "removal still in flight")
  void registrationWaitsForRemovalSentBeforeIt(VertxTestContext test) {
    newConnectionBesideItsClose(test, false);
  }

  /**
   * Registers "solo" (limit 1) and 20 others, then in one turn closes 14 of the others and solo's
   * old connection and asks solo's new one, {@code registrationFirst} or last: accepted either way,
   * and only the new connection is left.
   */
  private void newConnectionBesideItsClose(VertxTestContext test, boolean registrationFirst) {
    edgeBesideTwoDataMembers()
        .compose(
            node -> {
              Context context = node.vertx().getOrCreateContext();
              RegistryClient registry =
                  new RegistryClient(node, context, size -> {}, size -> {}, Duration.ZERO);
              Promise<List<Object>> answers = Promise.promise();
              context.runOnContext(
                  v -> {
                    List<Future<RegisterConnection.Result>> before = new ArrayList<>();
                    before.add(registry.register(attempt("solo", "old", "p1", 0), 1, false));
                    for (int i = 0; i < 20; i++) {
                      before.add(registry.register(attempt("o" + i, "oc" + i, "p", 0), 10, false));
                    }
                    Future.all(before)
                        .onSuccess(
                            registered -> {
                              Future<RegisterConnection.Result> second =
                                  registrationFirst ? soloAgain(registry) : null;
                              List<Future<Boolean>> closes = new ArrayList<>();
                              for (int i = 0; i < 7; i++) {
                                closes.add(registry.unregister("o" + i, "oc" + i));
                              }
                              Future<Boolean> removal = registry.unregister("solo", "old");
                              for (int i = 7; i < 14; i++) {
                                closes.add(registry.unregister("o" + i, "oc" + i));
                              }
                              if (!registrationFirst) {
                                second = soloAgain(registry);
                              }
                              Future.all(second, removal, Future.all(closes))
                                  .map(f -> f.<Object>list().subList(0, 2))
                                  .onComplete(answers);
                            })
                        .onFailure(answers::fail);
                  });
              return answers
                  .future()
                  .compose(
                      both ->
                          node.vertx()
                              .executeBlocking(
                                  () -> {
                                    UserConnections stored =
                                        Registry.users(node.hazelcast()).get("solo");
                                    test.verify(
                                        () -> {
                                          assertThat(
                                                  ((RegisterConnection.Result) both.get(0))
                                                      .accepted())
                                              .isTrue();
                                          assertThat(both.get(1)).isEqualTo(true);
                                          assertThat(stored.connections())
                                              .extracting(RegistryEntry::connectionId)
                                              .containsExactly("new");
                                        });
                                    return stored;
                                  }));
            })
        .onComplete(test.succeedingThenComplete());
  }

  private static Future<RegisterConnection.Result> soloAgain(RegistryClient registry) {
    return registry.register(attempt("solo", "new", "p2", 10), 1, false);
  }

  private static java.util.Set<String> users(int count) {
    java.util.Set<String> users = new java.util.HashSet<>();
    for (int i = 0; i < count; i++) {
      users.add("u" + i);
    }
    return users;
  }

  /**
   * Eight registrations on {@code context}, each asked in its own turn: the next is asked by a
   * timer set after the previous one was, so every turn's end comes between two of them.
   */
  private static Future<List<RegisterConnection.Result>> apart(
      RegistryClient registry, Context context, String prefix) {
    List<Future<RegisterConnection.Result>> results = new CopyOnWriteArrayList<>();
    Promise<List<RegisterConnection.Result>> all = Promise.promise();
    context.runOnContext(v -> ask(registry, context, prefix, 0, results, all));
    return all.future();
  }

  private static void ask(
      RegistryClient registry,
      Context context,
      String prefix,
      int n,
      List<Future<RegisterConnection.Result>> results,
      Promise<List<RegisterConnection.Result>> all) {
    results.add(registry.register(attempt(prefix + n, prefix + "-c" + n, "p", 0), 10, false));
    if (n < 7) {
      context.owner().setTimer(1, id -> ask(registry, context, prefix, n + 1, results, all));
    } else {
      Future.all(List.copyOf(results))
          .map(f -> f.<RegisterConnection.Result>list())
          .onComplete(all);
    }
  }
}
