package dev.mesh.common.presence.state;

/**
 * The windows presence applies, carried by every entry processor that may start one.
 *
 * @param debounceMillis after an intentional last close, before offline
 * @param graceMillis after an unintentional last close, before offline
 * @param retentionMillis how long a closed connection is remembered (so a late or duplicated event
 *     for it is ignored), and an offline user or empty channel kept before being forgotten
 */
public record Timing(long debounceMillis, long graceMillis, long retentionMillis) {

  public Timing {
    if (debounceMillis < 1 || graceMillis < 1 || retentionMillis < 1) {
      throw new IllegalArgumentException("debounce, grace and retention must be at least 1 ms");
    }
  }
}
