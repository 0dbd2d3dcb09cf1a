package dev.mesh.common.cluster;

import dev.mesh.common.config.Env;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * TLS of the clustered event bus, with client certificates required (mutual TLS): a process can
 * send to or receive from Mesh's addresses only when it holds a key and certificate signed by the
 * Mesh CA. Off when no path is set (local runs on loopback); set all three to turn it on
 * (docs/SECURITY.md).
 *
 * <p>It protects the event bus only. Hazelcast's open-source edition has no member TLS or member
 * authentication: a process that reaches the Hazelcast port can still read and write the shared
 * maps, which is why that port must be reachable by Mesh's own processes only (network isolation,
 * docs/SECURITY.md).
 *
 * @param keyPath {@code MESH_BUS_TLS_KEY}: this node's private key, PEM (PKCS#8, or PKCS#1 RSA /
 *     SEC1 EC)
 * @param certPath {@code MESH_BUS_TLS_CERT}: this node's certificate (chain), PEM, signed by the
 *     Mesh CA
 * @param caPath {@code MESH_BUS_TLS_CA}: the Mesh CA certificate(s), PEM: the only issuers trusted
 *     on the bus
 */
public record BusTlsOptions(String keyPath, String certPath, String caPath) {

  private static final BusTlsOptions OFF = new BusTlsOptions(null, null, null);

  /** No TLS (every path null). */
  public static BusTlsOptions off() {
    return OFF;
  }

  public boolean enabled() {
    return keyPath != null;
  }

  /**
   * Reads {@code MESH_BUS_TLS_KEY}, {@code _CERT} and {@code _CA}: all three or none, each a
   * readable file.
   */
  public static BusTlsOptions fromEnv(Env env) {
    String key = env.string("MESH_BUS_TLS_KEY", null);
    String cert = env.string("MESH_BUS_TLS_CERT", null);
    String ca = env.string("MESH_BUS_TLS_CA", null);
    List<String> set = new ArrayList<>();
    for (String value : new String[] {key, cert, ca}) {
      if (value != null) {
        set.add(value);
      }
    }
    if (set.isEmpty()) {
      return OFF;
    }
    if (set.size() < 3) {
      env.reject(
          "MESH_BUS_TLS_KEY, MESH_BUS_TLS_CERT and MESH_BUS_TLS_CA: set all three (event-bus TLS) or none");
      return OFF;
    }
    boolean readable = true;
    for (String[] file :
        new String[][] {
          {"MESH_BUS_TLS_KEY", key}, {"MESH_BUS_TLS_CERT", cert}, {"MESH_BUS_TLS_CA", ca}
        }) {
      if (!Files.isReadable(Path.of(file[1]))) {
        env.reject(file[0] + "=" + file[1] + ": not a readable file");
        readable = false;
      }
    }
    return readable ? new BusTlsOptions(key, cert, ca) : OFF;
  }

  /**
   * Applies these settings to the event bus: TLS on the bus server and client, this node's key and
   * certificate, the CA as the only trust anchor, client certificates required. Vert.x's bus client
   * skips host-name verification (nodes are reached by address), so the CA must be one that signs
   * Mesh nodes and nothing else.
   */
  public EventBusOptions apply(EventBusOptions options) {
    if (!enabled()) {
      return options;
    }
    return options
        .setSsl(true)
        .setKeyCertOptions(new PemKeyCertOptions().setKeyPath(keyPath).setCertPath(certPath))
        .setTrustOptions(new PemTrustOptions().addCertPath(caPath))
        .setClientAuth(ClientAuth.REQUIRED);
  }
}
