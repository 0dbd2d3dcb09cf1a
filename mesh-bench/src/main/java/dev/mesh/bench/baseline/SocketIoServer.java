package dev.mesh.bench.baseline;

import io.vertx.core.json.JsonObject;
import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The Socket.IO baseline ({@code mesh-bench/socketio/server.mjs}) as a child process: {@code node
 * --expose-gc} from the repository root, on a free loopback port. Blocking calls, for the
 * generator's main thread and tests only.
 */
public final class SocketIoServer implements AutoCloseable {

  static final String SCRIPT = "mesh-bench/socketio/server.mjs";
  private static final Duration START_TIMEOUT = Duration.ofSeconds(30);

  private final Process process;
  private final int port;
  private final Thread shutdownHook;
  private final Deque<String> lastLines;
  // HTTP/1.1 only: the default h2c upgrade attempt would be taken (and dropped) by Engine.IO's
  // upgrade handler.
  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .build();

  private SocketIoServer(Process process, int port, Deque<String> lastLines) {
    this.process = process;
    this.port = port;
    this.lastLines = lastLines;
    this.shutdownHook = new Thread(process::destroyForcibly, "socketio-server-kill");
    Runtime.getRuntime().addShutdownHook(shutdownHook);
  }

  /** Whether a {@code node} executable is on the PATH. */
  public static boolean nodeAvailable() {
    String path = System.getenv("PATH");
    if (path == null) {
      return false;
    }
    for (String dir : path.split(File.pathSeparator, -1)) {
      if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, "node"))) {
        return true;
      }
    }
    return false;
  }

  /**
   * Starts the server with HS256 secret {@code secret}; returns once it printed {@code listening
   * <port>}.
   */
  public static SocketIoServer start(Path repoRoot, String secret) {
    Path root = repoRoot.toAbsolutePath().normalize();
    if (!nodeAvailable()) {
      throw new IllegalStateException(
          "node not found on the PATH: the Socket.IO baseline needs Node 20 or newer");
    }
    if (!Files.isRegularFile(root.resolve("node_modules/socket.io/package.json"))) {
      throw new IllegalStateException(
          "node_modules/socket.io missing under "
              + root
              + ": run npm ci in the repository root first");
    }
    if (!Files.isRegularFile(root.resolve(SCRIPT))) {
      throw new IllegalStateException(SCRIPT + " not found under " + root);
    }
    Process process;
    try {
      process =
          new ProcessBuilder("node", "--expose-gc", SCRIPT, "0", secret)
              .directory(root.toFile())
              .redirectErrorStream(true)
              .start();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start node " + SCRIPT, e);
    }
    Deque<String> lastLines = new ArrayDeque<>();
    CompletableFuture<Integer> listening = new CompletableFuture<>();
    // Reads the output for the whole life of the process (a full pipe would stall node), keeping
    // the tail for errors.
    Thread reader =
        new Thread(
            () -> {
              try (BufferedReader in =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                String line;
                while ((line = in.readLine()) != null) {
                  synchronized (lastLines) {
                    lastLines.addLast(line);
                    if (lastLines.size() > 30) {
                      lastLines.removeFirst();
                    }
                  }
                  if (!listening.isDone() && line.startsWith("listening ")) {
                    listening.complete(
                        Integer.parseInt(line.substring("listening ".length()).trim()));
                  }
                }
              } catch (IOException | RuntimeException e) {
                listening.completeExceptionally(e);
              }
              listening.completeExceptionally(
                  new IllegalStateException("node exited before listening"));
            },
            "socketio-server-output");
    reader.setDaemon(true);
    reader.start();
    try {
      return new SocketIoServer(
          process, listening.get(START_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS), lastLines);
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted while starting the Socket.IO server", e);
    } catch (ExecutionException | TimeoutException e) {
      process.destroyForcibly();
      String output;
      synchronized (lastLines) {
        output = String.join("\n", lastLines);
      }
      throw new IllegalStateException(
          "the Socket.IO server did not start (" + e.getMessage() + "); its output:\n" + output, e);
    }
  }

  public int port() {
    return port;
  }

  public long pid() {
    return process.pid();
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** Runs a full GC in node ({@code --expose-gc}), then returns the V8 heap in use, in bytes. */
  public long heapUsedAfterGc() {
    return heap().getLong("heapUsed");
  }

  /** {@code GET /heap}: {@code heapUsed} and {@code rss} after a full GC. */
  public JsonObject heap() {
    try {
      HttpResponse<String> response =
          http.send(
              HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/heap"))
                  .timeout(Duration.ofSeconds(30))
                  .GET()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      if (response.statusCode() != 200) {
        throw new IllegalStateException("GET /heap answered " + response.statusCode());
      }
      return new JsonObject(response.body());
    } catch (IOException e) {
      throw new UncheckedIOException("GET /heap of the Socket.IO server failed", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }

  /** The last lines node printed (stdout and stderr). */
  public String output() {
    synchronized (lastLines) {
      return String.join("\n", lastLines);
    }
  }

  @Override
  public void close() {
    process.destroy();
    try {
      if (!process.waitFor(5, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
    try {
      Runtime.getRuntime().removeShutdownHook(shutdownHook);
    } catch (IllegalStateException shuttingDown) {
      // already running the hooks: nothing to remove
    }
  }

  @Override
  public String toString() {
    return "socket.io:" + port + " (pid " + pid() + ")";
  }
}
