package dev.mesh.connection.session;

import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.Position;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The SSE resume token (docs/PROTOCOL.md §7.2): {@code <channel>~<epoch>:<seq>} per subscribed
 * channel, joined by {@code |}. Channel names, epochs and digits never contain {@code ~} or {@code
 * |}.
 */
public final class ResumeTokens {

  private ResumeTokens() {}

  public static String of(Session session) {
    StringBuilder token = new StringBuilder();
    for (Subscription subscription : session.subscriptions()) {
      if (subscription.epoch() == null) {
        continue;
      }
      if (!token.isEmpty()) {
        token.append('|');
      }
      token
          .append(subscription.channel())
          .append('~')
          .append(subscription.epoch())
          .append(':')
          .append(subscription.lastSeq());
    }
    return token.toString();
  }

  /** Channel → position; throws {@link IllegalArgumentException} naming the bad item. */
  public static Map<String, Position> parse(String token) {
    Map<String, Position> positions = new LinkedHashMap<>();
    if (token == null || token.isBlank()) {
      return positions;
    }
    // Limit -1: an empty item (as from a trailing |) is refused like any other malformed item.
    for (String item : token.split("\\|", -1)) {
      int tilde = item.indexOf('~');
      if (tilde <= 0) {
        throw new IllegalArgumentException(
            "resume token item must be <channel>~<epoch>:<seq>, was " + item);
      }
      String channel = item.substring(0, tilde);
      ClientIds.checkChannel(channel)
          .ifPresent(
              problem -> {
                throw new IllegalArgumentException("resume token: " + problem);
              });
      positions.put(channel, Position.parse(item.substring(tilde + 1)));
    }
    return positions;
  }
}
