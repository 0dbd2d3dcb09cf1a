package dev.mesh.common.presence.state;

/** Fires the due pending leaves of a channel, each exactly once (see {@link ExpireUser}). */
public final class ExpireChannel extends ChannelUpdate {

  final long now;
  final Timing timing;

  public ExpireChannel(long now, Timing timing) {
    this.now = now;
    this.timing = timing;
  }

  @Override
  ChannelState.Step apply(ChannelState current) {
    return current.expired(now, timing);
  }
}
