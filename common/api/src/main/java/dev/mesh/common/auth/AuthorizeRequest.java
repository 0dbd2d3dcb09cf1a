package dev.mesh.common.auth;

import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.identity.ConnectionIdentity;

/**
 * Request on {@code mesh.authorize}, sent by connection-service when {@code MESH_AUTHORIZER=bus}:
 * may this connection perform {@code action} ({@link #CONNECT}, {@link #SUBSCRIBE} or {@link
 * #PUBLISH}) on {@code channel} (null for connect)? {@code claims} is the verified token's payload,
 * so the authoriser can use roles or tenants.
 */
public record AuthorizeRequest(
    String action, String channel, ConnectionIdentity identity, JsonNode claims)
    implements MeshMessage {

  public static final String CONNECT = "connect";
  public static final String SUBSCRIBE = "subscribe";
  public static final String PUBLISH = "publish";
}
