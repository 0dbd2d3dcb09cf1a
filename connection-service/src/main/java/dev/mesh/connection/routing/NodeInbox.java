package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.bus.Undecodable;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.routing.CloseConnections;
import dev.mesh.common.routing.Delivery;
import dev.mesh.common.routing.ForwardedFrame;
import dev.mesh.common.routing.FrameReply;
import dev.mesh.connection.edge.Edge;
import dev.mesh.connection.session.Session;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;

/**
 * This node's one inbox ({@code mesh.node.<nodeId>.deliver}): deliveries to local connections,
 * close commands from other nodes (replaced, kicked), and SSE frames forwarded from whichever node
 * received the POST.
 */
public final class NodeInbox {

  private final Edge edge;
  private MessageConsumer<Object> consumer;

  public NodeInbox(Edge edge) {
    this.edge = edge;
  }

  public Future<Void> start() {
    consumer =
        edge.node()
            .vertx()
            .eventBus()
            .consumer(Addresses.nodeInbox(edge.node().nodeId()), this::handle);
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    if (body instanceof Delivery delivery) {
      edge.subscriptions().deliverDirect(delivery.event(), delivery.connectionIds());
    } else if (body instanceof CloseConnections close) {
      int closed = 0;
      for (String connectionId : close.connectionIds()) {
        Session session = edge.sessions().get(connectionId);
        if (session != null && session.isOpen()) {
          edge.lifecycle()
              .close(
                  session,
                  close.reason(),
                  close.code(),
                  close.message(),
                  true,
                  close.retryAfterMs());
          closed++;
        }
      }
      message.reply(new KickResult(closed));
    } else if (body instanceof ForwardedFrame forwarded) {
      forward(message, forwarded);
    } else {
      message.fail(
          ErrorCodes.BAD_REQUEST,
          body instanceof Undecodable undecodable
              ? undecodable.reason()
              : "unexpected message " + (body == null ? "null" : body.getClass().getSimpleName()));
    }
  }

  private void forward(Message<Object> message, ForwardedFrame forwarded) {
    Session session = edge.sessions().get(forwarded.connectionId());
    if (session == null || !session.isOpen()) {
      message.fail(
          ErrorCodes.NOT_FOUND, "no live connection " + forwarded.connectionId() + " on this node");
      return;
    }
    if (!session.userId().equals(forwarded.userId())) {
      message.fail(ErrorCodes.FORBIDDEN, "connection belongs to another user");
      return;
    }
    long now = System.nanoTime();
    session.seen(now);
    edge.metrics().messagesIn.increment();
    edge.frames()
        .handle(session, forwarded.frame(), now)
        .onSuccess(
            reply ->
                message.reply(
                    new FrameReply(
                        reply.status(), reply.frame() == null ? null : readTree(reply.frame()))))
        .onFailure(e -> message.fail(ErrorCodes.INTERNAL, e.getMessage()));
  }

  private static com.fasterxml.jackson.databind.JsonNode readTree(String frame) {
    try {
      return Json.MAPPER.readTree(frame);
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
