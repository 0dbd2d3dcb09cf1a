package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;

/**
 * Body of {@code mesh.replay.ack}: user {@code userId} acknowledges every critical event of {@code
 * channel} up to and including {@code seq} of {@code epoch} (cumulative, like a TCP ack). Acks
 * never move backwards within an epoch. {@code epoch} must be the channel's current epoch (else
 * 409) and {@code seq} at most its head (else 400).
 *
 * @param initial true to open the user's ack cursor at this position only if the user has none in
 *     this epoch (what connection-service does when a user first subscribes to an ordinary channel:
 *     a new subscriber is owed no critical event published before it came); an existing cursor is
 *     left as it is
 */
public record AckRequest(String userId, String channel, String epoch, long seq, boolean initial)
    implements MeshMessage {

  /** A plain cumulative ack. */
  public AckRequest(String userId, String channel, String epoch, long seq) {
    this(userId, channel, epoch, seq, false);
  }
}
