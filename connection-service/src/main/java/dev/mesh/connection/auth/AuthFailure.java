package dev.mesh.connection.auth;

import java.util.Locale;

/**
 * Why a request was refused before a connection opened; the cause is the metric tag {@code
 * mesh_auth_failures_total{cause}} and the {@code cause} of the JSON error body (docs/PROTOCOL.md
 * §2.3).
 */
public final class AuthFailure extends RuntimeException {

  /** Causes, each with the HTTP status the client gets. */
  public enum Cause {
    MISSING(401),
    MALFORMED(401),
    BAD_SIGNATURE(401),
    ALGORITHM(401),
    EXPIRED(401),
    NOT_YET_VALID(401),
    CLAIMS(401),
    TOKEN_IN_URL(401),
    TICKET(401),
    ORIGIN(403);

    private final int status;

    Cause(int status) {
      this.status = status;
    }

    public int status() {
      return status;
    }

    public String tag() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }
  }

  private final Cause cause;
  private final String detail;

  public AuthFailure(Cause cause, String message) {
    this(cause, message, null);
  }

  /**
   * @param detail for the log only, never the client: the attacker-controlled value behind the
   *     refusal (e.g. {@code alg=...}), written through {@link dev.mesh.common.ops.SafeLog#escape};
   *     may be null
   */
  public AuthFailure(Cause cause, String message, String detail) {
    super(message, null, false, false);
    this.cause = cause;
    this.detail = detail;
  }

  /** The raw value behind the refusal, for an escaped log field; null when there is none. */
  public String detail() {
    return detail;
  }

  public Cause reason() {
    return cause;
  }
}
