package dev.mesh.common.replay;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Position;
import java.time.Instant;

/**
 * Reply to {@code mesh.publish}: where the event is in its channel's history.
 *
 * @param channel the channel
 * @param epoch the channel history's epoch
 * @param seq the event's sequence number in that epoch (1, 2, 3 ... without gaps)
 * @param ts when the event was appended (non-decreasing within a channel)
 * @param duplicate true when an event with this id already existed in the dedupe window: nothing
 *     new was appended and the position is the original event's
 */
public record PublishResult(String channel, String epoch, long seq, Instant ts, boolean duplicate)
    implements MeshMessage {

  @JsonIgnore
  public Position position() {
    return new Position(epoch, seq);
  }
}
