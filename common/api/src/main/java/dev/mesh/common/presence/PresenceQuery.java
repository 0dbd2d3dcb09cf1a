package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;
import java.util.List;

/**
 * Request on {@link dev.mesh.common.bus.Addresses#PRESENCE_QUERY}: the status of 1 to {@value
 * #MAX_USERS} users (one for a single user). Reply {@link PresenceStatuses}, in the same order; an
 * invalid or missing id is a 400.
 */
public record PresenceQuery(List<String> userIds) implements MeshMessage {

  /** Most user ids one query may ask for. */
  public static final int MAX_USERS = 100;

  public static PresenceQuery of(String... userIds) {
    return new PresenceQuery(List.of(userIds));
  }
}
