package dev.mesh.connection.http;

import dev.mesh.common.ops.SafeLog;
import dev.mesh.connection.auth.AuthFailure;
import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One log line per refused credential or origin, on every public endpoint. Every value the caller
 * chose (Origin, User-Agent, the token's {@code alg} or {@code kid}) goes through {@link
 * SafeLog#escape}: a refusal cannot forge log lines or flood them.
 */
final class AuthLog {

  private static final Logger LOG = LoggerFactory.getLogger(AuthLog.class);

  private AuthLog() {}

  static void refused(AuthFailure failure, SocketAddress remote, MultiMap headers) {
    if (!LOG.isInfoEnabled()) {
      return;
    }
    LOG.info(
        "event=auth-refused cause={} remote={} origin=\"{}\" agent=\"{}\" detail=\"{}\" message=\"{}\"",
        failure.reason().tag(),
        remote,
        SafeLog.escape(headers.get("Origin")),
        SafeLog.escape(headers.get("User-Agent")),
        SafeLog.escape(failure.detail()),
        SafeLog.escape(failure.getMessage()));
  }
}
