package dev.mesh.connection.auth;

import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Cross-site WebSocket hijacking defence (docs/PROTOCOL.md §2.5): a browser always sends {@code
 * Origin}, so a request from a page of another site is refused unless its origin is allowed. The
 * node's own origin (the {@code Origin} equal to {@code http://} or {@code https://} and the
 * request's {@code Host}) is always allowed; {@code MESH_ALLOWED_ORIGINS} adds origins to it, or
 * {@code *} allows any. Requests without {@code Origin} come from non-browser clients, which carry
 * their own credentials, and are allowed.
 */
public final class OriginPolicy {

  private final boolean any;
  private final Set<String> allowed;

  public OriginPolicy(List<String> allowedOrigins) {
    this.any = allowedOrigins.contains(AuthOptions.ANY_ORIGIN);
    this.allowed =
        allowedOrigins.stream()
            .map(o -> o.toLowerCase(Locale.ROOT))
            .collect(Collectors.toUnmodifiableSet());
  }

  public boolean allows(String origin, String host) {
    if (origin == null || any || sameOrigin(origin, host)) {
      return true;
    }
    return allowed.contains(origin.toLowerCase(Locale.ROOT));
  }

  /** Whether {@code origin} is the node's own origin as the request names it ({@code Host}). */
  public static boolean sameOrigin(String origin, String host) {
    if (origin == null || host == null || host.isEmpty()) {
      return false;
    }
    return origin.equalsIgnoreCase("http://" + host) || origin.equalsIgnoreCase("https://" + host);
  }

  /** Whether {@code MESH_ALLOWED_ORIGINS} is {@code *}. */
  public boolean any() {
    return any;
  }
}
