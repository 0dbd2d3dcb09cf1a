package dev.mesh.common.replay;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;

/**
 * Body of {@code mesh.publish}: append {@code data} to {@code channel}'s history and publish it live.
 *
 * @param channel  channel name ({@link dev.mesh.common.identity.ClientIds#checkChannel}); a user's private stream is
 *                 {@code user:<userId>} ({@link ReplayClient#userChannel})
 * @param id       the publisher's message id, the dedupe key within the channel: a retry with the same id inside the
 *                 dedupe window returns the original position and creates no second event
 * @param data     the application's payload, any JSON value (null is stored as JSON {@code null})
 * @param critical whether clients must acknowledge it (unacknowledged critical events are redelivered on reconnect)
 */
public record PublishRequest(String channel, String id, JsonNode data, boolean critical) implements MeshMessage {
}
