package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import java.util.List;

/**
 * Reply to {@code mesh.replay.resume-acks}: per user, in the order asked, what {@link
 * PendingCritical} would say for that user alone (one entry per distinct user, several pages of one
 * user sharing it).
 *
 * @param channel the channel
 * @param users one entry per distinct user asked for, in the order first asked
 */
public record ResumeAcks(String channel, List<User> users) implements MeshMessage {

  public ResumeAcks {
    users = users == null ? List.of() : List.copyOf(users);
  }

  /**
   * One user's pending critical events.
   *
   * @param userId the user
   * @param epoch the channel's current epoch, null when the channel has no history
   * @param acked the user's ack in {@code epoch} (0: nothing acknowledged)
   * @param events the pending critical events, ascending by seq
   * @param more true when more pending events exist after the last one returned
   */
  public record User(String userId, String epoch, long acked, List<Envelope> events, boolean more) {

    public User {
      events = events == null ? List.of() : List.copyOf(events);
    }
  }
}
