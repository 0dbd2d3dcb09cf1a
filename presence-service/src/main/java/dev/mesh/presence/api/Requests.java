package dev.mesh.presence.api;

import com.hazelcast.core.HazelcastException;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.presence.ChannelMembership;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.PresenceQuery;
import io.vertx.core.eventbus.Message;
import java.nio.charset.StandardCharsets;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Validation of presence requests, and how a failure is answered. */
final class Requests {

  private static final Logger LOG = LoggerFactory.getLogger(Requests.class);

  private Requests() {}

  static void checkUserId(String userId) {
    ClientIds.checkUserId("userId", userId)
        .ifPresent(
            problem -> {
              throw BadRequest.of(problem);
            });
  }

  static void check(PresenceQuery query) {
    if (query.userIds() == null
        || query.userIds().isEmpty()
        || query.userIds().size() > PresenceQuery.MAX_USERS) {
      throw BadRequest.of("userIds must list 1 to " + PresenceQuery.MAX_USERS + " user ids");
    }
    query.userIds().forEach(Requests::checkUserId);
  }

  static void checkChannel(String channel) {
    ClientIds.checkChannel(channel)
        .ifPresent(
            problem -> {
              throw BadRequest.of(problem);
            });
  }

  /**
   * The members to list: {@code limit}, at most the member limit (a caller need not know it);
   * negative is a 400.
   */
  static int limit(int limit, int maxMembers) {
    if (limit < 0) {
      throw BadRequest.of("limit must not be negative");
    }
    return Math.min(limit, maxMembers);
  }

  /** Checks a query; returns the members to list. */
  static int check(ChannelQuery query, int maxMembers) {
    checkChannel(query.channel());
    return limit(query.limit(), maxMembers);
  }

  /** Checks a membership request; returns the member info as JSON text (null when none). */
  static String check(ChannelMembership request, int maxMembers) {
    checkChannel(request.channel());
    limit(request.limit(), maxMembers);
    if (request.action() == null) {
      throw BadRequest.of("action must be join or leave");
    }
    if (request.identity() == null) {
      throw BadRequest.of("identity is required");
    }
    checkUserId(request.identity().userId());
    if (request.info() == null || request.info().isNull()) {
      return null;
    }
    if (!request.info().isObject()) {
      throw BadRequest.of("info must be a JSON object");
    }
    String info = Json.encode(request.info());
    if (info.getBytes(StandardCharsets.UTF_8).length > ChannelMembership.MAX_INFO_BYTES) {
      throw new BadRequest(
          ErrorCodes.TOO_LARGE,
          "info must be at most " + ChannelMembership.MAX_INFO_BYTES + " bytes");
    }
    return info;
  }

  /**
   * Fails a request: its own code for a refused request, 503 (retryable) when Hazelcast is
   * unavailable, else 500.
   */
  static void fail(Message<?> message, Throwable e) {
    if (e instanceof BadRequest bad) {
      message.fail(bad.code(), bad.getMessage());
    } else if (e instanceof HazelcastException) {
      message.fail(ErrorCodes.UNAVAILABLE, "presence storage unavailable: " + e.getMessage());
    } else {
      LOG.warn("event=request-failed address={} cause=\"{}\"", message.address(), e.toString());
      message.fail(ErrorCodes.INTERNAL, String.valueOf(e.getMessage()));
    }
  }
}
