package dev.mesh.connection.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.connection.session.Session;
import io.vertx.core.Context;
import io.vertx.core.Future;

/**
 * One event loop of the edge node as the node's bus consumers reach it, through {@link
 * EdgeNode#owner} and {@link EdgeNode#on}: its sessions, its deliveries, and frames forwarded from
 * the node that received a client's POST.
 */
public interface EdgeLoop extends LoopSessions, ChannelDelivery {

  /** The loop's context: everything else here is used only there. */
  Context context();

  /** A client frame forwarded from another node (SSE POST): handled as if the client sent it. */
  Future<FrameHandler.Reply> handleFrame(Session session, JsonNode frame, long now);
}
