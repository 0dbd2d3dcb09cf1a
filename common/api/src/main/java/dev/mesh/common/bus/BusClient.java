package dev.mesh.common.bus;

import io.vertx.core.Future;
import io.vertx.core.Vertx;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.Message;
import java.time.Duration;

/**
 * Typed request/reply on the event bus: every request carries a timeout and the reply body is
 * checked to be of the expected record type (a {@link io.vertx.core.json.JsonObject} reply is read
 * as that record). Typed service clients (presence, replay, ...) are built on this.
 */
public final class BusClient {

  /** Timeout of a request when the caller gives none. */
  public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(5);

  private final Vertx vertx;

  public BusClient(Vertx vertx) {
    this.vertx = vertx;
  }

  public <R> Future<R> request(String address, MeshMessage body, Class<R> replyType) {
    return request(address, body, replyType, DEFAULT_TIMEOUT);
  }

  public <R> Future<R> request(
      String address, MeshMessage body, Class<R> replyType, Duration timeout) {
    DeliveryOptions options = new DeliveryOptions().setSendTimeout(timeout.toMillis());
    return vertx
        .eventBus()
        .<Object>request(address, body, options)
        .map(reply -> cast(reply, replyType, address));
  }

  private static <R> R cast(Message<Object> reply, Class<R> replyType, String address) {
    Object body = reply.body();
    if (body instanceof io.vertx.core.json.JsonObject json && !replyType.isInstance(json)) {
      // A responder that speaks the JSON alternative (e.g. an authoriser not written against Mesh's
      // records).
      try {
        return JsonBodies.read(json, replyType);
      } catch (IllegalArgumentException e) {
        throw new IllegalStateException(
            address
                + " replied with a JSON object that is not a "
                + replyType.getSimpleName()
                + ": "
                + e.getMessage(),
            e);
      }
    }
    if (!replyType.isInstance(body)) {
      throw new IllegalStateException(
          address
              + " replied with "
              + (body == null ? "null" : body.getClass().getSimpleName())
              + " instead of "
              + replyType.getSimpleName());
    }
    return replyType.cast(body);
  }
}
