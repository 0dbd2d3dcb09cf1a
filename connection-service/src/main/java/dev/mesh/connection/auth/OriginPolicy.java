package dev.mesh.connection.auth;

import java.util.List;
import java.util.Set;

/**
 * Cross-site WebSocket hijacking defence (docs/PROTOCOL.md §2.5): a browser always sends {@code Origin}, so a request
 * from a page of another site is refused unless its origin is allowed. With no list configured, only the same origin
 * as the {@code Host} header is allowed. Requests without {@code Origin} come from non-browser clients, which carry
 * their own credentials, and are allowed.
 */
public final class OriginPolicy {

  private final boolean any;
  private final Set<String> allowed;

  public OriginPolicy(List<String> allowedOrigins) {
    this.any = allowedOrigins.contains("*");
    this.allowed = Set.copyOf(allowedOrigins);
  }

  public boolean allows(String origin, String host) {
    if (origin == null || any) {
      return true;
    }
    if (allowed.isEmpty()) {
      return host != null && (origin.equals("http://" + host) || origin.equals("https://" + host));
    }
    return allowed.contains(origin);
  }
}
