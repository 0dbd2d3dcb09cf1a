package dev.mesh.connection.frames;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.protocol.Position;

/**
 * A client-to-server frame of the browser protocol (docs/protocol/browser.md §3.2), decoded and
 * checked by {@link FrameDecoder}: every field is present, of its type and of valid syntax. What
 * depends on the connection's state (subscriptions, limits, authorisation) is checked by its
 * receiver.
 */
public sealed interface ClientFrame extends Decoded {

  /** {@code ping}: answered {@code pong}. */
  record Ping(String id) implements ClientFrame {}

  /**
   * {@code subscribe}.
   *
   * @param from the position to resume after, or null for live events only
   * @param info the presence member info, or null
   * @param badInfo the error for an {@code info} that is not an object of at most {@link
   *     FrameDecoder#MAX_INFO_BYTES} bytes, else null. The protocol checks it after the idempotent
   *     re-subscribe and the subscription limit, so the decoder hands it over instead of answering
   *     with it.
   */
  record Subscribe(
      String id,
      String channel,
      Position from,
      boolean presence,
      JsonNode info,
      DecodeError badInfo)
      implements ClientFrame {}

  /** {@code unsubscribe}. */
  record Unsubscribe(String id, String channel) implements ClientFrame {}

  /**
   * {@code publish}.
   *
   * @param id the message id, the dedupe key
   * @param data any JSON but null
   */
  record Publish(String id, String channel, JsonNode data, boolean critical)
      implements ClientFrame {}

  /** {@code ack}: cumulative up to {@code seq}; it has no id and its errors carry none. */
  record Ack(String channel, long seq) implements ClientFrame {}

  /** {@code refresh}: a new token for the connection. */
  record Refresh(String id, String token) implements ClientFrame {}

  /** {@code close}: the client ends the connection. */
  record Close() implements ClientFrame {}
}
