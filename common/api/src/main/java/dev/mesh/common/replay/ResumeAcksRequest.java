package dev.mesh.common.replay;

import dev.mesh.common.bus.MeshMessage;
import java.util.List;

/**
 * Body of {@code mesh.replay.resume-acks}: the users of pages that subscribe to {@code channel}
 * together, each owed its unacknowledged critical events (what {@code mesh.replay.pending} answers
 * for one user); with {@code open}, each user's ack cursor is first opened at its position unless
 * the user already has one in that epoch (what {@code mesh.replay.ack} with {@code initial} does).
 * One request for many pages, instead of two per page.
 *
 * @param channel the channel
 * @param users the users, each with the position its cursor opens at (used only with {@code open})
 * @param open true to open the cursors first (an ordinary channel; not a user's own stream)
 * @param limit most pending events per user; null or above the maximum page size: that maximum
 */
public record ResumeAcksRequest(String channel, List<User> users, boolean open, Integer limit)
    implements MeshMessage {

  /** Largest number of users in one request. */
  public static final int MAX_USERS = 500;

  public ResumeAcksRequest {
    users = users == null ? List.of() : List.copyOf(users);
  }

  /** A user, and where its cursor opens when it has none in {@code epoch}. */
  public record User(String userId, String epoch, long seq) {}
}
