package dev.mesh.common.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.identity.ConnectionIdentity;
import io.vertx.core.Future;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.List;

/**
 * Typed client of presence-service over the event bus. Every call has a timeout; failures are
 * {@link io.vertx.core.eventbus.ReplyException}s with a code from {@link
 * dev.mesh.common.bus.ErrorCodes} (or Vert.x's TIMEOUT / NO_HANDLERS, both retryable). Every call
 * is safe to retry unchanged.
 */
public final class PresenceClient {

  private final BusClient bus;
  private final Duration timeout;

  public PresenceClient(Vertx vertx) {
    this(vertx, BusClient.DEFAULT_TIMEOUT);
  }

  public PresenceClient(Vertx vertx, Duration timeout) {
    this.bus = new BusClient(vertx);
    this.timeout = timeout;
  }

  public Future<UserPresence> status(String userId) {
    return statuses(List.of(userId)).map(statuses -> statuses.users().get(0));
  }

  /** 1 to {@value PresenceQuery#MAX_USERS} users, answered in the order asked. */
  public Future<PresenceStatuses> statuses(List<String> userIds) {
    return bus.request(
        Addresses.PRESENCE_QUERY, new PresenceQuery(userIds), PresenceStatuses.class, timeout);
  }

  public Future<PresenceCounts> counts(String from) {
    return bus.request(
        Addresses.PRESENCE_QUERY, new PresenceCountsQuery(from), PresenceCounts.class, timeout);
  }

  /** A snapshot of a channel's members, at most {@code limit} listed (0: the count only). */
  public Future<ChannelMembers> members(String channel, int limit) {
    return bus.request(
        Addresses.PRESENCE_CHANNEL,
        new ChannelQuery(channel, limit),
        ChannelMembers.class,
        timeout);
  }

  /**
   * The connection joins the channel's presence (subscribe with {@code presence: true}). The reply
   * is the snapshot to send in {@code subscribed.presence}; {@code joined} is false when the
   * channel is full. 404: the connection has already closed.
   */
  public Future<ChannelMembers> join(
      ConnectionIdentity identity, String channel, JsonNode info, int limit) {
    return bus.request(
        Addresses.PRESENCE_CHANNEL,
        new ChannelMembership(channel, MembershipAction.JOIN, identity, info, limit),
        ChannelMembers.class,
        timeout);
  }

  /**
   * The connection leaves the channel's presence explicitly (unsubscribe): the member leaves at
   * once if it was its last.
   */
  public Future<ChannelMembers> leave(ConnectionIdentity identity, String channel) {
    return bus.request(
        Addresses.PRESENCE_CHANNEL,
        new ChannelMembership(channel, MembershipAction.LEAVE, identity, null, 0),
        ChannelMembers.class,
        timeout);
  }
}
