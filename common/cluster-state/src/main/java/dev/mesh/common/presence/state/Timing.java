package dev.mesh.common.presence.state;

import dev.mesh.common.events.CloseReason;

/**
 * The windows presence applies, carried by every entry processor that may start one.
 *
 * @param debounceMillis after an intentional last close, before offline
 * @param graceMillis after an unintentional last close, before offline
 * @param retentionMillis how long a closed connection is remembered (so a late or duplicated event
 *     for it is ignored), and an offline user or empty channel kept before being forgotten
 * @param nodeLossAllowanceMillis added to the grace of a {@code node-lost} close: a node seen
 *     leaving may still hold its sockets open (cut off from quorum, it closes them only after its
 *     own detection and quorum-loss grace, then spreads its clients' reconnects), so the client's
 *     time to come back starts later than presence sees the node go
 */
public record Timing(
    long debounceMillis, long graceMillis, long retentionMillis, long nodeLossAllowanceMillis) {

  public Timing {
    if (debounceMillis < 1 || graceMillis < 1 || retentionMillis < 1) {
      throw new IllegalArgumentException("debounce, grace and retention must be at least 1 ms");
    }
    if (nodeLossAllowanceMillis < 0) {
      throw new IllegalArgumentException("the node-loss allowance must not be negative");
    }
  }

  /** Without a node-loss allowance. */
  public Timing(long debounceMillis, long graceMillis, long retentionMillis) {
    this(debounceMillis, graceMillis, retentionMillis, 0);
  }

  /** How long a last close for {@code reason} that takes the grace path stays reconnecting. */
  public long graceMillis(CloseReason reason) {
    return reason == CloseReason.NODE_LOST ? graceMillis + nodeLossAllowanceMillis : graceMillis;
  }
}
