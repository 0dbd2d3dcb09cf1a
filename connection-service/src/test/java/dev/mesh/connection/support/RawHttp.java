package dev.mesh.connection.support;

import io.vertx.core.Future;
import io.vertx.core.MultiMap;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.http.HttpClient;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.http.RequestOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.core.net.NetClient;
import java.util.Base64;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Plain HTTP requests as an attacker sends them (any method, headers and body), and WebSocket
 * handshakes written by hand so that a test sees exactly what the server answers, or that it
 * answers at all.
 */
public final class RawHttp {

  /** A response: status, headers, body text. */
  public record Response(int status, MultiMap headers, String body) {
    public JsonObject json() {
      return new JsonObject(body);
    }
  }

  /** Longest a hand-written upgrade waits for the server's status line. */
  private static final long HANDSHAKE_TIMEOUT_MS = 10_000;

  private final Vertx vertx;

  public RawHttp(Vertx vertx) {
    this.vertx = vertx;
  }

  public Future<Response> request(
      HttpMethod method, int port, String uri, Map<String, String> headers, Buffer body) {
    RequestOptions options =
        new RequestOptions()
            .setMethod(method)
            .setHost("127.0.0.1")
            .setPort(port)
            .setURI(uri)
            .setTimeout(10_000);
    headers.forEach(options::addHeader);
    // A client per request, closed with its answer: that also keeps it reachable until then (Vert.x
    // closes a client the garbage collector finds unreachable, whatever the caller holds).
    HttpClient http = vertx.createHttpClient();
    return http.request(options)
        .compose(request -> body == null ? request.send() : request.send(body))
        .compose(
            response ->
                response
                    .body()
                    .map(
                        b -> new Response(response.statusCode(), response.headers(), b.toString())))
        .eventually(http::close);
  }

  /**
   * A multipart/form-data body with one file part of {@code size} bytes; the boundary is {@link
   * #BOUNDARY}.
   */
  public static Buffer multipartFile(int size) {
    Buffer body = Buffer.buffer();
    body.appendString(
        "--"
            + BOUNDARY
            + "\r\n"
            + "Content-Disposition: form-data; name=\"f\"; filename=\"fill.bin\"\r\n"
            + "Content-Type: application/octet-stream\r\n\r\n");
    byte[] bytes = new byte[size];
    ThreadLocalRandom.current().nextBytes(bytes);
    body.appendBytes(bytes);
    body.appendString("\r\n--" + BOUNDARY + "--\r\n");
    return body;
  }

  public static final String BOUNDARY = "mesh-test-boundary-7d1f";

  /**
   * Writes a WebSocket upgrade request with {@code extraHeaders} (CRLF-terminated lines) and
   * completes with the status line and headers the server answered (the socket is then closed), or
   * fails if it closed without one.
   */
  public Future<String> handshake(int port, String uri, String extraHeaders) {
    byte[] key = new byte[16];
    ThreadLocalRandom.current().nextBytes(key);
    String request =
        "GET "
            + uri
            + " HTTP/1.1\r\n"
            + "Host: 127.0.0.1:"
            + port
            + "\r\n"
            + "Upgrade: websocket\r\n"
            + "Connection: Upgrade\r\n"
            + "Sec-WebSocket-Key: "
            + Base64.getEncoder().encodeToString(key)
            + "\r\n"
            + "Sec-WebSocket-Version: 13\r\n"
            + extraHeaders
            + "\r\n";
    Promise<String> answered = Promise.promise();
    // A client per handshake, closed with its socket (see request).
    NetClient net = vertx.createNetClient();
    net.connect(port, "127.0.0.1")
        .onSuccess(
            socket -> {
              Buffer received = Buffer.buffer();
              socket.handler(
                  data -> {
                    received.appendBuffer(data);
                    String text = received.toString();
                    int end = text.indexOf("\r\n\r\n");
                    if (end >= 0 && answered.tryComplete(text.substring(0, end))) {
                      socket.close();
                    }
                  });
              socket.closeHandler(
                  v -> {
                    net.close();
                    answered.tryFail("closed without an answer: " + received);
                  });
              socket.write(request);
              // A server that neither answers nor closes is a failure that names itself, not the
              // test's timeout with no cause.
              vertx.setTimer(
                  HANDSHAKE_TIMEOUT_MS,
                  t -> {
                    if (answered.tryFail(
                        "no answer to the upgrade of "
                            + uri
                            + " within "
                            + HANDSHAKE_TIMEOUT_MS
                            + " ms, received: "
                            + received)) {
                      socket.close();
                    }
                  });
            })
        .onFailure(
            failure -> {
              net.close();
              answered.tryFail(failure);
            });
    return answered.future();
  }

  public Vertx vertx() {
    return vertx;
  }
}
