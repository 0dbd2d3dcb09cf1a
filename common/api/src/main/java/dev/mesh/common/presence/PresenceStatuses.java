package dev.mesh.common.presence;

import dev.mesh.common.bus.MeshMessage;
import java.util.List;

/** Reply to {@link PresenceQuery}: one {@link UserPresence} per id asked, in the order asked. */
public record PresenceStatuses(List<UserPresence> users) implements MeshMessage {}
