package dev.mesh.common.cluster;

/**
 * A member joined or left the cluster. {@code nodeId} is the Vert.x node id of that member (from
 * the member's attributes), the same id connection-service writes into the registry; {@code
 * members} is the member count after the change.
 */
public record MembershipChange(Kind kind, String nodeId, int members) {

  public enum Kind {
    JOINED,
    LEFT
  }
}
