package dev.mesh.connection.auth;

import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.cluster.MeshStructures;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Single-use tickets for URLs (browsers cannot set headers on a WebSocket), redeemable on any node
 * (docs/PROTOCOL.md §2.4). What is stored is never a credential: the key is the SHA-256 of the
 * ticket (someone who can read the map cannot redeem what they read) and the value is the identity
 * verified when the ticket was issued ({@code sub}, the claims later checks need, {@code exp}),
 * never the raw token. Redeeming removes the entry atomically.
 */
public final class TicketStore {

  private final IMap<String, String> tickets;
  private final Context context;
  private final Duration ttl;
  private final SecureRandom random = new SecureRandom();

  public TicketStore(MeshNode node, Context context, Duration ttl) {
    this.tickets = node.hazelcast().getMap(MeshStructures.TICKETS_MAP);
    this.context = context;
    this.ttl = ttl;
  }

  /** Issues a ticket standing for {@code identity}, valid for {@code ttl} at most. */
  public Future<String> issue(VerifiedToken identity, Duration ttl) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    String value =
        new JsonObject()
            .put("sub", identity.userId())
            .put("exp", identity.expiresAt().getEpochSecond())
            .put("claims", identity.claims())
            .encode();
    return Future.fromCompletionStage(
            tickets.setAsync(
                key(ticket), value, Math.max(1, ttl.toMillis()), TimeUnit.MILLISECONDS),
            context)
        .map(v -> ticket);
  }

  /**
   * The identity the ticket stands for, once; null for an unknown, used or expired ticket (expired:
   * past the TTL, or the token's {@code exp} passed since, beyond {@code leeway}).
   */
  public Future<VerifiedToken> redeem(String ticket, Duration leeway) {
    if (ticket.length() > 128) {
      return Future.succeededFuture(null);
    }
    return Future.fromCompletionStage(tickets.removeAsync(key(ticket)), context)
        .map(
            value -> {
              if (value == null) {
                return null;
              }
              JsonObject stored = new JsonObject(value);
              Instant exp = Instant.ofEpochSecond(stored.getLong("exp"));
              if (!exp.plus(leeway).isAfter(Instant.now())) {
                return null;
              }
              return new VerifiedToken(
                  stored.getString("sub"), stored.getJsonObject("claims"), exp);
            });
  }

  /** The map key of a ticket: its SHA-256, base64url. */
  static String key(String ticket) {
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(ticket.getBytes(StandardCharsets.UTF_8));
      return Base64.getUrlEncoder().withoutPadding().encodeToString(digest);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 unavailable", e);
    }
  }

  public Duration ttl() {
    return ttl;
  }
}
