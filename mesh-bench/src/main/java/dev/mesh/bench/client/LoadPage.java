package dev.mesh.bench.client;

import io.vertx.core.Future;
import io.vertx.core.json.JsonObject;

/**
 * What the load scenarios need from one simulated page, whatever protocol it speaks: Mesh's ({@link
 * PageClient}) or Socket.IO's ({@link SocketIoPage}). The same generator then drives every server
 * in a comparison.
 */
public interface LoadPage {

  /**
   * Connects, authenticates and joins the page's channel; completes once the page is ready to
   * receive.
   */
  Future<Void> start();

  /**
   * Publishes {@code data} to {@code channel}; completes with the server's acknowledgement
   * (carrying {@code seq}).
   */
  Future<JsonObject> publish(String channel, JsonObject data);

  /** Closes the page for good (a clean close, no reconnect). */
  Future<Void> stop();
}
