package dev.mesh.connection.routing;

import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.bus.Undecodable;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.protocol.CloseCode;
import dev.mesh.common.routing.CloseConnections;
import dev.mesh.common.routing.Delivery;
import dev.mesh.common.routing.ForwardedFrame;
import dev.mesh.common.routing.FrameReply;
import dev.mesh.connection.edge.EdgeLoop;
import dev.mesh.connection.edge.EdgeNode;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Session;
import io.vertx.core.Future;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * This node's one inbox ({@code mesh.node.<nodeId>.deliver}): deliveries to local connections,
 * close commands from other nodes (replaced, kicked), and SSE frames forwarded from whichever node
 * received the POST. One consumer per node; each message goes on to the event loop that holds its
 * connections.
 */
public final class NodeInbox {

  private final EdgeNode edge;
  private MessageConsumer<Object> consumer;

  public NodeInbox(EdgeNode edge) {
    this.edge = edge;
  }

  public Future<Void> start() {
    consumer =
        edge.vertx().eventBus().consumer(Addresses.nodeInbox(edge.node().nodeId()), this::handle);
    return consumer.completion();
  }

  public Future<Void> stop() {
    return consumer == null ? Future.succeededFuture() : consumer.unregister();
  }

  private void handle(Message<Object> message) {
    Object body = message.body();
    if (body instanceof Delivery delivery) {
      byLoop(delivery.connectionIds())
          .forEach(
              (loop, ids) ->
                  EdgeNode.on(
                      loop,
                      () -> {
                        loop.deliverDirect(delivery.event(), ids);
                        return Future.succeededFuture();
                      }));
    } else if (body instanceof CloseConnections close) {
      Optional<CloseCode> code = CloseCode.of(close.code());
      if (code.isEmpty()) {
        message.fail(ErrorCodes.BAD_REQUEST, "unknown close code " + close.code());
        return;
      }
      List<Future<Integer>> closed = new ArrayList<>();
      byLoop(close.connectionIds())
          .forEach(
              (loop, ids) ->
                  closed.add(
                      EdgeNode.on(
                          loop,
                          () -> {
                            int count = 0;
                            for (String connectionId : ids) {
                              Session session = loop.session(connectionId);
                              if (session != null && session.isOpen()) {
                                loop.close(
                                    session,
                                    new Disconnect(
                                        code.get(),
                                        close.reason(),
                                        close.message(),
                                        close.retryAfterMs()));
                                count++;
                              }
                            }
                            return Future.succeededFuture(count);
                          })));
      Future.join(closed)
          .onComplete(
              done ->
                  message.reply(
                      new KickResult(
                          closed.stream().mapToInt(f -> f.succeeded() ? f.result() : 0).sum())));
    } else if (body instanceof ForwardedFrame forwarded) {
      EdgeLoop loop = edge.owner(forwarded.connectionId());
      if (loop == null) {
        message.fail(
            ErrorCodes.NOT_FOUND,
            "no live connection " + forwarded.connectionId() + " on this node");
        return;
      }
      EdgeNode.on(
          loop,
          () -> {
            forward(loop, message, forwarded);
            return Future.succeededFuture();
          });
    } else {
      message.fail(
          ErrorCodes.BAD_REQUEST,
          body instanceof Undecodable undecodable
              ? undecodable.reason()
              : "unexpected message " + (body == null ? "null" : body.getClass().getSimpleName()));
    }
  }

  /** The connections of this node grouped by the loop that holds them; unknown ones left out. */
  private Map<EdgeLoop, List<String>> byLoop(List<String> connectionIds) {
    Map<EdgeLoop, List<String>> byLoop = new LinkedHashMap<>();
    for (String connectionId : connectionIds) {
      EdgeLoop loop = edge.owner(connectionId);
      if (loop != null) {
        byLoop.computeIfAbsent(loop, l -> new ArrayList<>()).add(connectionId);
      }
    }
    return byLoop;
  }

  private void forward(EdgeLoop loop, Message<Object> message, ForwardedFrame forwarded) {
    Session session = loop.session(forwarded.connectionId());
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
    loop.handleFrame(session, forwarded.frame(), now)
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
