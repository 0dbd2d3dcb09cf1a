package dev.mesh.connection.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.auth.AuthorizeDecision;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusClient;
import dev.mesh.common.bus.Json;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.ops.SafeLog;
import dev.mesh.common.replay.ReplayClient;
import io.vertx.core.Future;
import io.vertx.core.eventbus.ReplyException;
import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * Decides every subscribe and publish (docs/PROTOCOL.md §2.6): built-in rules for private {@code
 * user:} channels first, then either the token's {@code mesh.subscribe}/{@code mesh.publish}
 * patterns (defaults from configuration when the token has none) or the application's authoriser on
 * {@code mesh.authorize}, where no answer is a denial.
 */
public final class ChannelAuthorizer {

  /**
   * A decision and, when refused, why (shown to the client); {@code unavailable}: the authoriser
   * did not answer.
   */
  public record Decision(boolean allowed, String reason, boolean unavailable) {
    static final Decision ALLOW = new Decision(true, null, false);

    static Decision deny(String reason) {
      return new Decision(false, reason, false);
    }
  }

  private static final Duration BUS_TIMEOUT = Duration.ofSeconds(2);
  private static final org.slf4j.Logger LOG =
      org.slf4j.LoggerFactory.getLogger(ChannelAuthorizer.class);

  private final AuthOptions options;
  private final BusClient bus;

  public ChannelAuthorizer(AuthOptions options, BusClient bus) {
    this.options = options;
    this.bus = bus;
  }

  /**
   * With {@code MESH_AUTHORIZER=bus}: may this identity connect at all? Always allowed otherwise.
   */
  public Future<Decision> connect(ConnectionIdentity identity, JsonObject claims) {
    if (!AuthOptions.AUTHORIZER_BUS.equals(options.authorizer())) {
      return Future.succeededFuture(Decision.ALLOW);
    }
    return ask(AuthorizeRequest.CONNECT, null, identity, claims);
  }

  public Future<Decision> check(
      String action, String channel, ConnectionIdentity identity, JsonObject claims) {
    if (ReplayClient.isUserChannel(channel)) {
      if (action.equals(AuthorizeRequest.PUBLISH)) {
        return Future.succeededFuture(Decision.deny("clients may not publish to user: channels"));
      }
      return Future.succeededFuture(
          channel.equals(ReplayClient.userChannel(identity.userId()))
              ? Decision.ALLOW
              : Decision.deny(action + " to " + channel + " is not allowed"));
    }
    if (AuthOptions.AUTHORIZER_BUS.equals(options.authorizer())) {
      return ask(action, channel, identity, claims);
    }
    List<String> patterns = patterns(claims, action);
    boolean allowed = patterns.stream().anyMatch(pattern -> matches(pattern, channel));
    return Future.succeededFuture(
        allowed ? Decision.ALLOW : Decision.deny(action + " to " + channel + " is not allowed"));
  }

  private List<String> patterns(JsonObject claims, String action) {
    Object mesh = claims.getValue("mesh");
    if (mesh instanceof JsonObject meshClaims) {
      JsonArray listed = meshClaims.getJsonArray(action);
      List<String> patterns = new ArrayList<>();
      if (listed != null) {
        listed.forEach(p -> patterns.add(String.valueOf(p)));
      }
      return patterns;
    }
    return action.equals(AuthorizeRequest.SUBSCRIBE)
        ? options.defaultSubscribe()
        : options.defaultPublish();
  }

  static boolean matches(String pattern, String channel) {
    if (pattern.equals("*")) {
      return true;
    }
    if (pattern.endsWith("*")) {
      return channel.startsWith(pattern.substring(0, pattern.length() - 1));
    }
    return pattern.equals(channel);
  }

  private Future<Decision> ask(
      String action, String channel, ConnectionIdentity identity, JsonObject claims) {
    JsonNode claimsNode = Json.MAPPER.valueToTree(claims.getMap());
    return bus.request(
            Addresses.AUTHORIZE,
            new AuthorizeRequest(action, channel, identity, claimsNode),
            AuthorizeDecision.class,
            BUS_TIMEOUT)
        .map(
            decision ->
                decision.allowed()
                    ? Decision.ALLOW
                    : Decision.deny(decision.reason() == null ? "not allowed" : decision.reason()))
        .otherwise(
            e -> {
              LOG.warn(
                  "event=authoriser-unavailable action={} cause=\"{}\"",
                  action,
                  SafeLog.escape(String.valueOf(e)));
              return new Decision(false, unavailableReason(e), true);
            });
  }

  /**
   * What the client is told when the authoriser did not answer: the kind of failure only. The
   * exception's own text names internal addresses ({@code __vertx.reply.<uuid>}), which a browser
   * has no business seeing.
   */
  static String unavailableReason(Throwable failure) {
    if (failure instanceof ReplyException reply) {
      return switch (reply.failureType()) {
        case TIMEOUT -> "authoriser did not answer in time";
        case NO_HANDLERS -> "no authoriser is registered";
        default -> "authoriser failed";
      };
    }
    return "authoriser unavailable";
  }
}
