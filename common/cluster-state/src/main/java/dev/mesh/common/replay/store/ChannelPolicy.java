package dev.mesh.common.replay.store;

/**
 * How a channel's history is kept, resolved by replay-service from its per-pattern rules and passed
 * with every operation (so members need no configuration of their own).
 *
 * @param capacity most events kept
 * @param ttlMillis events older than this are no longer part of the history
 * @param dedupeWindowMillis a message id is remembered this long after its event was appended
 * @param dedupeMaxIds most message ids remembered per channel (the oldest are forgotten first)
 * @param idleMillis a channel without appends for this long is forgotten with its epoch; a later
 *     position in the forgotten epoch gets a reset
 */
public record ChannelPolicy(
    int capacity, long ttlMillis, long dedupeWindowMillis, int dedupeMaxIds, long idleMillis) {

  public ChannelPolicy {
    if (capacity < 1
        || ttlMillis < 1
        || dedupeWindowMillis < 0
        || dedupeMaxIds < 0
        || idleMillis < ttlMillis) {
      throw new IllegalArgumentException(
          "invalid channel policy: "
              + capacity
              + " events, ttl "
              + ttlMillis
              + "ms, dedupe "
              + dedupeWindowMillis
              + "ms/"
              + dedupeMaxIds
              + ", idle "
              + idleMillis
              + "ms (>= ttl)");
    }
  }
}
