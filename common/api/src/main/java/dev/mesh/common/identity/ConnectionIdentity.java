package dev.mesh.common.identity;

/**
 * Everything that names one connection. {@code userId} comes from the verified token, {@code
 * sessionId}, {@code tabId} and {@code pageId} from the client (validated by {@link ClientIds}),
 * {@code connectionId} and {@code nodeId} from the server. {@code pageId} is new per page load and
 * per bfcache restore: it is the key of the duplicate policy (one live connection per page).
 */
public record ConnectionIdentity(
    String userId,
    String sessionId,
    String tabId,
    String pageId,
    String connectionId,
    String nodeId) {

  public ConnectionIdentity {
    requireText(userId, "userId");
    requireText(sessionId, "sessionId");
    requireText(tabId, "tabId");
    requireText(pageId, "pageId");
    requireText(connectionId, "connectionId");
    requireText(nodeId, "nodeId");
  }

  private static void requireText(String value, String name) {
    if (value == null || value.isBlank()) {
      throw new IllegalArgumentException(name + " is required");
    }
  }
}
