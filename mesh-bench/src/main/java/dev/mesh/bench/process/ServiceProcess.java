package dev.mesh.bench.process;

import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** One running service JVM: its ports, its log, and the faults that can be injected into it. */
public final class ServiceProcess {

  private static final HttpClient HTTP =
      HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private final String name;
  private final ServiceKind kind;
  private final Process process;
  private final int opsPort;
  private final int httpPort;
  private final Path log;
  private final String host;
  private final Map<String, String> extraEnv;
  private final List<String> wrapper;

  ServiceProcess(
      String name,
      ServiceKind kind,
      Process process,
      int opsPort,
      int httpPort,
      Path log,
      String host,
      Map<String, String> extraEnv,
      List<String> wrapper) {
    this.extraEnv = extraEnv;
    this.wrapper = wrapper;
    this.name = name;
    this.kind = kind;
    this.process = process;
    this.opsPort = opsPort;
    this.httpPort = httpPort;
    this.log = log;
    this.host = host;
  }

  /**
   * The address its ops and HTTP ports are reached at: 127.0.0.1, or its own host's address in a
   * namespace.
   */
  public String host() {
    return host;
  }

  public String name() {
    return name;
  }

  public ServiceKind kind() {
    return kind;
  }

  public long pid() {
    return process.pid();
  }

  public int opsPort() {
    return opsPort;
  }

  /** Public HTTP port (connection-service only; 0 otherwise). */
  public int httpPort() {
    return httpPort;
  }

  public Path log() {
    return log;
  }

  /**
   * The variables this process was started with on top of its group's (kept for a restart in its
   * place).
   */
  public Map<String, String> extraEnv() {
    return extraEnv;
  }

  /** What its command line was prefixed with (e.g. {@code ip netns exec <ns>}). */
  public List<String> wrapper() {
    return wrapper;
  }

  /** The address of its ops server ({@code MESH_OPS_HOST}). */
  public String opsHost() {
    String bound = extraEnv.getOrDefault("MESH_OPS_HOST", host);
    return bound.equals("0.0.0.0") ? host : bound;
  }

  /** The address of its public server ({@code MESH_HTTP_HOST}; connection-service). */
  public String httpHost() {
    String bound = extraEnv.getOrDefault("MESH_HTTP_HOST", host);
    return bound.equals("0.0.0.0") ? host : bound;
  }

  public boolean isAlive() {
    return process.isAlive();
  }

  /** GET on the ops port; empty when the process does not answer. */
  public Optional<HttpResponse<String>> getOps(String path) {
    return get(opsHost(), opsPort, path);
  }

  public Optional<HttpResponse<String>> get(int port, String path) {
    return get(host, port, path);
  }

  public Optional<HttpResponse<String>> get(String host, int port, String path) {
    try {
      HttpRequest request =
          HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
              .timeout(Duration.ofSeconds(3))
              .GET()
              .build();
      return Optional.of(HTTP.send(request, HttpResponse.BodyHandlers.ofString()));
    } catch (IOException e) {
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  /**
   * The value of an unlabelled-by-us gauge in {@code /metrics} (the first sample of {@code name},
   * whatever its labels), or empty when the process does not answer or does not expose it.
   */
  public java.util.OptionalDouble metric(String name) {
    return getOps("/metrics")
        .filter(r -> r.statusCode() == 200)
        .flatMap(
            r ->
                r.body()
                    .lines()
                    .filter(line -> line.startsWith(name + "{") || line.startsWith(name + " "))
                    .findFirst())
        .map(
            line ->
                java.util.OptionalDouble.of(
                    Double.parseDouble(line.substring(line.lastIndexOf(' ') + 1))))
        .orElse(java.util.OptionalDouble.empty());
  }

  /** The parsed {@code /ready} body and status, or empty when unreachable. */
  public Optional<Readiness> readiness() {
    return getOps("/ready").map(r -> new Readiness(r.statusCode(), new JsonObject(r.body())));
  }

  /** {@code kill -9}: no shutdown hook, no goodbye to the cluster. */
  public void kill() {
    process.destroyForcibly();
    waitForExit(Duration.ofSeconds(10));
  }

  /**
   * SIGTERM: the graceful shutdown path. Returns the exit code, or empty if it did not exit in
   * time.
   */
  public Optional<Integer> terminate(Duration timeout) {
    process.destroy();
    return waitForExit(timeout);
  }

  /** {@code kill -STOP} / {@code kill -CONT}: a hung process, not a dead one. */
  public void signal(String signal) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid()))
        .inheritIO()
        .start()
        .waitFor();
  }

  public Optional<Integer> waitForExit(Duration timeout) {
    try {
      if (process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        return Optional.of(process.exitValue());
      }
      return Optional.empty();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return Optional.empty();
    }
  }

  public String logText() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(no log: " + e.getMessage() + ")";
    }
  }

  /** Kills the process tree without waiting for a graceful stop. */
  void destroyNow() {
    process.descendants().forEach(ProcessHandle::destroyForcibly);
    process.destroyForcibly();
  }

  @Override
  public String toString() {
    return name
        + "(pid "
        + process.pid()
        + (host.equals("127.0.0.1") ? "" : ", host " + host)
        + ", ops "
        + opsPort
        + (httpPort > 0 ? ", http " + httpPort : "")
        + ")";
  }

  /** A {@code /ready} answer. */
  public record Readiness(int status, JsonObject body) {

    public boolean isReady() {
      return status == 200;
    }

    /** Data of one named check, or an empty object. */
    public JsonObject check(String id) {
      var checks = body.getJsonArray("checks");
      if (checks != null) {
        for (int i = 0; i < checks.size(); i++) {
          JsonObject check = checks.getJsonObject(i);
          if (id.equals(check.getString("id"))) {
            return check.getJsonObject("data", new JsonObject());
          }
        }
      }
      return new JsonObject();
    }

    public int clusterMembers() {
      return check("cluster").getInteger("members", 0);
    }
  }
}
