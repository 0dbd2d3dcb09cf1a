package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.common.testing.BusCertificates;
import dev.mesh.common.testing.TestClusters;
import io.vertx.core.Future;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.junit5.VertxExtension;
import io.vertx.junit5.VertxTestContext;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.io.TempDir;

/**
 * Event-bus TLS with required client certificates (docs/SECURITY.md): Mesh nodes holding
 * certificates of the Mesh CA talk; a rogue process that joins the Hazelcast cluster (which
 * open-source Hazelcast cannot prevent) but holds no certificate, or one of another CA, can neither
 * deliver to Mesh consumers nor receive what Mesh nodes send.
 */
@ExtendWith(VertxExtension.class)
@DisplayName("Event-bus TLS: Mesh nodes talk, a rogue member can neither send nor receive")
class BusTlsTest {

  private static final DeliveryOptions SHORT = new DeliveryOptions().setSendTimeout(3_000);

  /**
   * The first request between two nodes waits for two TLS handshakes, over a second each on a
   * loaded machine.
   */
  private static final DeliveryOptions FIRST = new DeliveryOptions().setSendTimeout(20_000);

  @TempDir Path certs;
  @TempDir Path otherCa;

  private final List<MeshNode> nodes = new ArrayList<>();

  @AfterEach
  void stop() throws Exception {
    Future.join(nodes.stream().map(MeshNode::close).toList())
        .toCompletionStage()
        .toCompletableFuture()
        .get(30, TimeUnit.SECONDS);
  }

  private Future<MeshNode> start(ClusterOptions options, BusTlsOptions tls) {
    return MeshCluster.start(options, tls, null).onSuccess(nodes::add);
  }

  @Test
  @DisplayName(
      "with TLS on, a rogue without the client certificate, or with another CA's, gets nothing through in either direction")
  void rogueMembersAreRefused(VertxTestContext test) throws Exception {
    BusTlsOptions meshA = BusCertificates.make(certs, "mesh-a");
    BusTlsOptions meshB = BusCertificates.make(certs, "mesh-b");
    BusTlsOptions foreign = BusCertificates.make(otherCa, "rogue");
    ClusterOptions cluster = TestClusters.fresh();
    AtomicInteger meshReceived = new AtomicInteger();
    AtomicInteger rogueReceived = new AtomicInteger();
    start(cluster, meshA)
        .compose(
            a ->
                start(cluster, meshB)
                    .compose(
                        b ->
                            start(cluster, BusTlsOptions.off())
                                .compose(
                                    plainRogue ->
                                        start(cluster, foreign)
                                            .compose(
                                                caRogue -> {
                                                  test.verify(
                                                      () ->
                                                          assertThat(a.memberCount())
                                                              .as("the rogues did join Hazelcast")
                                                              .isEqualTo(4));
                                                  // A Mesh consumer, and the rogues' consumers on
                                                  // an address only they serve (an authoriser that
                                                  // allows
                                                  // everything, say).
                                                  Future<Void> meshConsumer =
                                                      a.vertx()
                                                          .eventBus()
                                                          .<String>consumer(
                                                              "mesh.tls.test",
                                                              m -> {
                                                                meshReceived.incrementAndGet();
                                                                m.reply("pong:" + m.body());
                                                              })
                                                          .completion();
                                                  Future<Void> rogueConsumers =
                                                      Future.all(
                                                              plainRogue
                                                                  .vertx()
                                                                  .eventBus()
                                                                  .<String>consumer(
                                                                      "mesh.tls.sink",
                                                                      m -> {
                                                                        rogueReceived
                                                                            .incrementAndGet();
                                                                        m.reply("allowed");
                                                                      })
                                                                  .completion(),
                                                              caRogue
                                                                  .vertx()
                                                                  .eventBus()
                                                                  .<String>consumer(
                                                                      "mesh.tls.sink",
                                                                      m -> {
                                                                        rogueReceived
                                                                            .incrementAndGet();
                                                                        m.reply("allowed");
                                                                      })
                                                                  .completion())
                                                          .mapEmpty();
                                                  return Future.all(meshConsumer, rogueConsumers)
                                                      .compose(
                                                          v ->
                                                              b.vertx()
                                                                  .eventBus()
                                                                  .<String>request(
                                                                      "mesh.tls.test", "b", FIRST))
                                                      .compose(
                                                          fromMesh -> {
                                                            test.verify(
                                                                () ->
                                                                    assertThat(fromMesh.body())
                                                                        .isEqualTo("pong:b"));
                                                            List<Future<Object>> attempts =
                                                                new ArrayList<>();
                                                            for (MeshNode rogue :
                                                                List.of(plainRogue, caRogue)) {
                                                              attempts.add(
                                                                  rogue
                                                                      .vertx()
                                                                      .eventBus()
                                                                      .<String>request(
                                                                          "mesh.tls.test",
                                                                          "rogue",
                                                                          SHORT)
                                                                      .transform(
                                                                          ar ->
                                                                              Future
                                                                                  .succeededFuture(
                                                                                      ar.succeeded()
                                                                                          ? (Object)
                                                                                              ar.result()
                                                                                                  .body()
                                                                                          : ar
                                                                                              .cause())));
                                                            }
                                                            for (int i = 0; i < 4; i++) {
                                                              attempts.add(
                                                                  b.vertx()
                                                                      .eventBus()
                                                                      .<String>request(
                                                                          "mesh.tls.sink",
                                                                          "secret-" + i,
                                                                          SHORT)
                                                                      .transform(
                                                                          ar ->
                                                                              Future
                                                                                  .succeededFuture(
                                                                                      ar.succeeded()
                                                                                          ? (Object)
                                                                                              ar.result()
                                                                                                  .body()
                                                                                          : ar
                                                                                              .cause())));
                                                            }
                                                            return Future.all(attempts)
                                                                .map(
                                                                    all -> {
                                                                      test.verify(
                                                                          () -> {
                                                                            for (Future<Object>
                                                                                attempt :
                                                                                    attempts) {
                                                                              assertThat(
                                                                                      attempt
                                                                                          .result())
                                                                                  .as(
                                                                                      "no reply crosses the TLS boundary")
                                                                                  .isInstanceOf(
                                                                                      Throwable
                                                                                          .class);
                                                                            }
                                                                            assertThat(meshReceived)
                                                                                .as(
                                                                                    "Mesh consumer: only the Mesh node's request")
                                                                                .hasValue(1);
                                                                            assertThat(
                                                                                    rogueReceived)
                                                                                .as(
                                                                                    "rogue consumers received nothing")
                                                                                .hasValue(0);
                                                                          });
                                                                      return all;
                                                                    });
                                                          });
                                                }))))
        .onComplete(test.succeedingThenComplete());
  }
}
