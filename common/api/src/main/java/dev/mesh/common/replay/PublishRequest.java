package dev.mesh.common.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

/**
 * Body of {@code mesh.publish}: append {@code data} to {@code channel}'s history and publish it
 * live on {@code mesh.channel.<channel>} (except {@code user:} channels, whose events
 * connection-service routes itself).
 *
 * @param channel channel name ({@link dev.mesh.common.identity.ClientIds#checkChannel}); a user's
 *     private stream is {@code user:<userId>} ({@link ReplayClient#userChannel})
 * @param id the publisher's message id ({@link dev.mesh.common.identity.ClientIds#checkId}): a
 *     retry with the same publisher and id inside the dedupe window returns the original position
 *     and appends nothing
 * @param data the application's payload, any JSON value except null
 * @param critical whether clients must acknowledge it (unacknowledged critical events are
 *     redelivered on reconnect)
 * @param publisher who publishes, part of the dedupe key {@code (channel, publisher, id)} so that
 *     two publishers never suppress each other's events: {@code user:<userId>} for a client's
 *     publish, a service's name otherwise; null means {@value #DEFAULT_PUBLISHER}. 1-128 characters
 *     of A-Z a-z 0-9 _ - : . @
 * @param userId the user who published, as connection-service verified them (the token's {@code
 *     sub}); null for a service's publish. Carried into the event for subscribers to see, and
 *     counted against the user's channel-creation limit. Set by connection-service only: the HTTP
 *     API never sets it
 * @param connectionId the connection the user published from; null when not published over a
 *     connection
 */
public record PublishRequest(
    String channel,
    String id,
    JsonNode data,
    boolean critical,
    String publisher,
    String userId,
    String connectionId)
    implements MeshMessage {

  /** The publisher of a request that names none. */
  public static final String DEFAULT_PUBLISHER = "bus";

  /** A publish by the default publisher. */
  public PublishRequest(String channel, String id, JsonNode data, boolean critical) {
    this(channel, id, data, critical, null, null, null);
  }

  /** A publish by a named service (no user). */
  public PublishRequest(
      String channel, String id, JsonNode data, boolean critical, String publisher) {
    this(channel, id, data, critical, publisher, null, null);
  }
}
