package dev.mesh.common.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.identity.ConnectionIdentity;

/**
 * Request on {@link dev.mesh.common.bus.Addresses#PRESENCE_CHANNEL}, sent by connection-service
 * when a connection joins a channel's presence (subscribe with {@code presence: true}) or leaves it
 * explicitly (unsubscribe). A connection that closes leaves every channel through its {@code
 * ConnectionClosed}: no request is needed for that. Idempotent: a retry changes nothing more.
 *
 * @param info member info for a join (a JSON object of at most {@value #MAX_INFO_BYTES} bytes),
 *     kept while the user is a member; ignored for a leave
 * @param limit most members listed in the reply (0 for the count only), as in {@link ChannelQuery}
 */
public record ChannelMembership(
    String channel, MembershipAction action, ConnectionIdentity identity, JsonNode info, int limit)
    implements MeshMessage {

  /** Largest member info accepted, serialised as JSON. */
  public static final int MAX_INFO_BYTES = 1024;
}
