package dev.mesh.common.presence;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.events.CloseReason;
import io.vertx.core.eventbus.DeliveryOptions;
import java.time.Instant;

/**
 * Published on {@link dev.mesh.common.bus.Addresses#PRESENCE_EVENTS}, exactly once per change, by
 * the presence-service instance whose atomic update made the change.
 *
 * <p>Each one is published with two delivery headers, so that a consumer can pass over the changes
 * it has no use for without decoding them: {@value #LEVEL_HEADER} ({@value #USER_LEVEL} or {@value
 * #CHANNEL_LEVEL}) and, at channel level, {@value #CHANNEL_HEADER}. A change without them came from
 * a presence-service that predates them: read its body.
 *
 * @param channel null for a user-level change ({@code online}, {@code reconnecting}, {@code
 *     offline}); else the channel whose member changed ({@code join}, {@code reconnecting}, {@code
 *     leave})
 * @param reason the close reason behind a {@code reconnecting}, {@code offline} or {@code leave};
 *     absent for an explicit leave (unsubscribe) and for {@code online}/{@code join}
 * @param info the member's info (channel level only, when it has some)
 * @param version increases per user (user level) and per channel (channel level, hence per channel
 *     and user), also across the state being forgotten: drop an event whose version is not above
 *     the last one seen
 */
public record PresenceChanged(
    String userId,
    String channel,
    PresenceChange change,
    CloseReason reason,
    JsonNode info,
    Instant at,
    long version)
    implements MeshMessage {

  /** Delivery header: {@value #USER_LEVEL} or {@value #CHANNEL_LEVEL}. */
  public static final String LEVEL_HEADER = "mesh-presence-level";

  /** Delivery header of a channel-level change: its channel. */
  public static final String CHANNEL_HEADER = "mesh-presence-channel";

  public static final String USER_LEVEL = "user";
  public static final String CHANNEL_LEVEL = "channel";

  /** The delivery options to publish this change with: its headers. */
  public DeliveryOptions deliveryOptions() {
    DeliveryOptions options = new DeliveryOptions();
    if (channel == null) {
      options.addHeader(LEVEL_HEADER, USER_LEVEL);
    } else {
      options.addHeader(LEVEL_HEADER, CHANNEL_LEVEL).addHeader(CHANNEL_HEADER, channel);
    }
    return options;
  }
}
