package dev.mesh.connection.auth;

import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.MeshNode;
import io.vertx.core.Context;
import io.vertx.core.Future;

import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.TimeUnit;

/**
 * Single-use tickets for URLs (browsers cannot set headers on a WebSocket): a random id mapped to the caller's token
 * in Hazelcast with a short TTL, so a ticket issued by one node can be redeemed on any other. Redeeming removes it.
 */
public final class TicketStore {

  public static final String MAP = "mesh.auth.tickets";

  private final IMap<String, String> tickets;
  private final Context context;
  private final Duration ttl;
  private final SecureRandom random = new SecureRandom();

  public TicketStore(MeshNode node, Context context, Duration ttl) {
    this.tickets = node.hazelcast().getMap(MAP);
    this.context = context;
    this.ttl = ttl;
  }

  /** Issues a ticket standing for {@code token}, valid for {@code ttl} at most. */
  public Future<String> issue(String token, Duration ttl) {
    byte[] bytes = new byte[32];
    random.nextBytes(bytes);
    String ticket = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    return Future.fromCompletionStage(tickets.setAsync(ticket, token, Math.max(1, ttl.toMillis()), TimeUnit.MILLISECONDS), context)
        .map(v -> ticket);
  }

  /** The token the ticket stands for, once; a second redeem, or one after the TTL, gets null. */
  public Future<String> redeem(String ticket) {
    return Future.fromCompletionStage(tickets.removeAsync(ticket), context);
  }

  public Duration ttl() {
    return ttl;
  }
}
