package dev.mesh.connection.history;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import io.vertx.core.Future;
import java.time.Instant;
import java.util.List;

/** The channel history connection-service needs (served by replay-service over the event bus). */
public interface ChannelLog {

  /** Largest page asked for at once. */
  int PAGE = 500;

  /**
   * A page of history after a position.
   *
   * @param reset null, {@code epoch-changed} or {@code position-too-old}: the position was refused,
   *     events empty
   */
  record Page(
      String epoch,
      long head,
      List<Envelope> events,
      List<Envelope> redeliver,
      boolean more,
      String reset) {}

  /** The position an event got. */
  record Published(String channel, String epoch, long seq, Instant ts, boolean duplicate) {}

  /**
   * Events of {@code channel} after {@code from} (null: none, just the head); {@code userId}:
   * redeliveries.
   */
  Future<Page> history(String channel, Position from, int limit, String userId);

  /**
   * Publishes as the connection's user: {@code publisher} scopes the dedupe, {@code userId} and
   * {@code connectionId} are the attested publisher the event carries.
   */
  Future<Published> publish(
      String channel,
      String id,
      JsonNode data,
      boolean critical,
      String publisher,
      String userId,
      String connectionId);

  /** Cumulative ack of critical events by a user. */
  Future<Void> ack(String userId, String channel, String epoch, long seq);
}
