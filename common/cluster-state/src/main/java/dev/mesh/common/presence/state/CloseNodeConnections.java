package dev.mesh.common.presence.state;

/**
 * Closes, as {@code node-lost}, the connections a user had on a node that left the cluster. Run on
 * every entry; returns null for users without a connection there, so the result map holds only
 * those affected.
 */
public final class CloseNodeConnections extends UserUpdate<UserOutcome> {

  final String nodeId;
  final long at;
  final Timing timing;

  public CloseNodeConnections(String nodeId, long at, Timing timing) {
    this.nodeId = nodeId;
    this.at = at;
    this.timing = timing;
  }

  @Override
  UserState.Step apply(UserState current) {
    return current.nodeLost(nodeId, at, timing);
  }

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // identity on purpose: a step that changed nothing returns the same
  // state
  UserOutcome result(UserState current, UserState.Step step) {
    return step.next() == current ? null : step.outcome();
  }
}
