package dev.mesh.bench.client;

/** A WebSocket server a client may connect to. */
public record Endpoint(String host, int port) {

  public static Endpoint loopback(int port) {
    return new Endpoint("127.0.0.1", port);
  }

  @Override
  public String toString() {
    return host + ":" + port;
  }
}
