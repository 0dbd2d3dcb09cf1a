package dev.mesh.common.bus;

import io.vertx.core.Handler;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.Message;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.json.JsonObject;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request received on a Mesh request address, with its body already read: how every Mesh
 * responder consumes, so that every address answers every body. A body that cannot be read (none,
 * undecodable, of another type, a JSON field of the wrong type) is answered 400 with the reason
 * before the handler runs; a handler that throws is answered 500; a request that came as a {@link
 * JsonObject} is answered with a {@link JsonObject}, one that came as a record with a record.
 *
 * @param <T> the request record type
 */
public final class BusRequest<T extends MeshMessage> {

  private static final Logger LOG = LoggerFactory.getLogger(BusRequest.class);

  private final Message<Object> message;
  private final T body;
  private final boolean json;

  private BusRequest(Message<Object> message, T body, boolean json) {
    this.message = message;
    this.body = body;
    this.json = json;
  }

  /** Registers {@code handler} on {@code address} for the bodies {@code accepted} describes. */
  public static <T extends MeshMessage> MessageConsumer<Object> consumer(
      EventBus bus, String address, RequestBody<T> accepted, Handler<BusRequest<T>> handler) {
    return bus.consumer(
        address,
        message -> {
          T body;
          try {
            body = accepted.read(message.body());
          } catch (IllegalArgumentException e) {
            message.fail(ErrorCodes.BAD_REQUEST, address + ": " + e.getMessage());
            return;
          } catch (RuntimeException e) {
            // A body Vert.x itself could not decode (e.g. a codec that throws) surfaces here, on
            // first access.
            message.fail(ErrorCodes.BAD_REQUEST, address + ": the body cannot be decoded: " + e);
            return;
          }
          try {
            handler.handle(new BusRequest<>(message, body, message.body() instanceof JsonObject));
          } catch (RuntimeException e) {
            LOG.warn(
                "event=request-handler-failed address={} cause=\"{}\"", address, e.toString(), e);
            message.fail(ErrorCodes.INTERNAL, address + ": " + e);
          }
        });
  }

  /** The request record (read from JSON when it came as a JSON object). */
  public T body() {
    return body;
  }

  /** Whether the request came as a {@link JsonObject} (and is answered with one). */
  public boolean isJson() {
    return json;
  }

  /** The address the request was sent to. */
  public String address() {
    return message.address();
  }

  /** The underlying message, for failure helpers that take one. */
  public Message<?> message() {
    return message;
  }

  /** Replies with {@code reply}, as a {@link JsonObject} when the request was one. */
  public void reply(MeshMessage reply) {
    message.reply(json ? JsonBodies.write(reply) : reply);
  }

  /** Fails the request with a code of {@link ErrorCodes}. */
  public void fail(int code, String reason) {
    message.fail(code, reason);
  }
}
