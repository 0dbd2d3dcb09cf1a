package dev.mesh.common.status;

import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.cluster.MeshNode;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.time.Instant;

/** Answers {@link StatusQuery} on a service's status address, across the cluster. */
public final class StatusVerticle extends VerticleBase {

  private final MeshNode node;
  private final String service;
  private final String address;
  private final Instant startedAt = Instant.now();

  public StatusVerticle(MeshNode node, String service, String address) {
    this.node = node;
    this.service = service;
    this.address = address;
  }

  @Override
  public Future<?> start() {
    return BusRequest.consumer(
            vertx.eventBus(), address, RequestBody.of(StatusQuery.class), this::answer)
        .completion();
  }

  private void answer(BusRequest<StatusQuery> query) {
    query.reply(
        new ServiceStatus(
            service, node.nodeId(), Version.current(), startedAt, node.memberCount()));
  }
}
