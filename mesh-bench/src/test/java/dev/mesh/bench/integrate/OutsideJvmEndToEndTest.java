package dev.mesh.bench.integrate;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Issue 15's "outside JVM program": {@link OutsideJvmProgram} runs in a JVM whose classpath is the
 * contract jar ({@code common/api}), its dependencies and the program's own classes, nothing else,
 * against a mesh of three service processes, and exercises every operation of {@code MeshBus}. A
 * browser-like WebSocket client (user {@code ann}) sees the other side: the live event, the direct
 * message, the kick.
 */
@DisplayName("End to end: an outside JVM program with only the contract jar, through MeshBus")
class OutsideJvmEndToEndTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);

  /** Every operation the program must report, in order. */
  private static final List<String> OPERATIONS =
      List.of(
          "status mesh.connection.status",
          "status mesh.presence.status",
          "status mesh.replay.status",
          "publish",
          "publish retried with the same id",
          "live event on mesh.channel.room:outside",
          "history",
          "pending critical",
          "ack",
          "pending critical after ack",
          "presence of a user",
          "presence counts",
          "presence of a channel",
          "list connections",
          "stats of every connection node",
          "stats of one node",
          "list channels",
          "unsubscribe",
          "list channels after unsubscribe",
          "send to user",
          "kick");

  private MeshProcesses mesh;
  private Vertx vertx;
  private Process program;

  @BeforeEach
  void create() {
    mesh =
        new MeshProcesses(REPO, Path.of("target", "e2e-logs", "outside-jvm-" + System.nanoTime()));
    vertx = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() throws Exception {
    try {
      if (program != null && program.isAlive()) {
        program.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      vertx.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    } finally {
      mesh.close();
    }
  }

  @Test
  @DisplayName(
      "every operation succeeds with the expected result, and the connected user sees its effects")
  void everyOperation() throws Exception {
    ServiceProcess connection = mesh.start(ServiceKind.CONNECTION, "connection");
    ServiceProcess presence = mesh.start(ServiceKind.PRESENCE, "presence");
    ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
    mesh.awaitReady(READY_TIMEOUT, connection, presence, replay);

    List<JsonObject> frames = new CopyOnWriteArrayList<>();
    Promise<Short> closed = Promise.promise();
    // Closed by the socket's close handler, which keeps it reachable: Vert.x closes an unreachable
    // client's sockets when the garbage collector finds it.
    WebSocketClient webSockets = vertx.createWebSocketClient();
    WebSocket socket =
        webSockets
            .connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(connection.httpPort())
                    .setURI("/ws?session=s1&tab=t1&page=p1")
                    .addHeader(
                        "Authorization",
                        "Bearer " + new BenchTokens(vertx, MeshProcesses.JWT_SECRET).token("ann")))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    socket.textMessageHandler(text -> frames.add(new JsonObject(text)));
    socket.closeHandler(
        v -> {
          closed.tryComplete(socket.closeStatusCode());
          webSockets.close();
        });
    awaitFrame(frames, f -> f.getString("type").equals("welcome"), "welcome");
    socket.writeTextMessage(
        new JsonObject()
            .put("type", "subscribe")
            .put("id", "s1")
            .put("channel", "user:ann")
            .encode());
    socket.writeTextMessage(
        new JsonObject()
            .put("type", "subscribe")
            .put("id", "s2")
            .put("channel", "room:outside")
            .put("presence", true)
            .encode());
    awaitFrame(
        frames,
        f -> f.getString("type").equals("subscribed") && "s1".equals(f.getString("id")),
        "subscribed s1");
    awaitFrame(
        frames,
        f -> f.getString("type").equals("subscribed") && "s2".equals(f.getString("id")),
        "subscribed s2");

    Path log =
        Files.createDirectories(Path.of("target", "e2e-logs"))
            .resolve("outside-jvm-program-" + System.nanoTime() + ".log");
    int portBase = mesh.hazelcastPortBase();
    ProcessBuilder builder =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "--add-modules",
                "java.se",
                "-Xmx256m",
                "-XX:+UseSerialGC",
                "-cp",
                contractOnlyClasspath(),
                OutsideJvmProgram.class.getName())
            .redirectErrorStream(true)
            .redirectOutput(log.toFile());
    builder.environment().put("MESH_CLUSTER_NAME", mesh.clusterName());
    builder
        .environment()
        .put(
            "MESH_CLUSTER_MEMBERS",
            "127.0.0.1:"
                + portBase
                + ",127.0.0.1:"
                + (portBase + 1)
                + ",127.0.0.1:"
                + (portBase + 2));
    builder.environment().put("MESH_CLUSTER_PORT", Integer.toString(portBase + 10));
    builder.environment().put("MESH_CLUSTER_HEARTBEAT", "1s");
    builder.environment().put("MESH_CLUSTER_FAILURE_TIMEOUT", "3s");
    program = builder.start();
    boolean exited = program.waitFor(180, TimeUnit.SECONDS);
    String output = Files.readString(log);
    assertThat(exited).as("program exited within 180 s; output:\n%s", output).isTrue();
    assertThat(program.exitValue()).as("exit status; output:\n%s", output).isZero();
    List<String> reported =
        output
            .lines()
            .filter(line -> line.startsWith("op="))
            .map(line -> line.substring(3, line.indexOf(" ok ")))
            .toList();
    assertThat(reported).containsExactlyElementsOf(OPERATIONS);
    assertThat(output).contains("ALL OK").doesNotContain("NoClassDefFoundError");

    // The other side of the operations, as the user's browser saw them.
    awaitFrame(
        frames,
        f ->
            f.getString("type").equals("event")
                && "room:outside".equals(f.getString("channel"))
                && "o-1".equals(f.getString("id")),
        "the published event, live");
    JsonObject ended =
        awaitFrame(
            frames,
            f ->
                f.getString("type").equals("unsubscribed")
                    && "room:outside".equals(f.getString("channel")),
            "the unsubscribed frame");
    assertThat(ended.getString("reason")).isEqualTo("server");
    assertThat(ended.containsKey("id")).as("not a reply to the client").isFalse();
    awaitFrame(
        frames,
        f ->
            f.getString("type").equals("event")
                && "user:ann".equals(f.getString("channel"))
                && "dm-1".equals(f.getString("id"))
                && "for ann".equals(f.getJsonObject("data").getString("text")),
        "the direct message");
    JsonObject goodbye = awaitFrame(frames, f -> f.getString("type").equals("goodbye"), "goodbye");
    assertThat(goodbye.getString("reason")).isEqualTo("kicked");
    assertThat(goodbye.getString("message")).isEqualTo("bye from outside");
    assertThat(closed.future().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS))
        .isEqualTo((short) 4505);
  }

  /**
   * The contract jar (common/api's), its runtime dependencies (common/api/target/classpath.txt,
   * written by {@code mvn package}) and a directory holding only the program's classes: a class of
   * any other Mesh module (runtime, cluster state, a service) would be missing.
   */
  private static String contractOnlyClasspath() throws IOException {
    Path target = REPO.resolve("common").resolve("api").resolve("target");
    Path jar;
    try (Stream<Path> jars = Files.list(target)) {
      jar =
          jars.filter(
                  p ->
                      p.getFileName().toString().matches("mesh-api-.*\\.jar")
                          && !p.getFileName().toString().endsWith("-tests.jar"))
              .findFirst()
              .orElseThrow(
                  () ->
                      new IllegalStateException(
                          "common/api's jar is missing: build with mvn package first"));
    }
    Path dependencies = target.resolve("classpath.txt");
    if (!Files.isRegularFile(dependencies)) {
      throw new IllegalStateException(dependencies + " is missing: build with mvn package first");
    }
    Path programClasses = Files.createTempDirectory("outside-jvm-program");
    Path packageDir =
        programClasses.resolve(OutsideJvmProgram.class.getPackageName().replace('.', '/'));
    Files.createDirectories(packageDir);
    Path compiled =
        Path.of(
                OutsideJvmProgram.class
                    .getProtectionDomain()
                    .getCodeSource()
                    .getLocation()
                    .getPath())
            .resolve(OutsideJvmProgram.class.getPackageName().replace('.', '/'));
    try (Stream<Path> classes = Files.list(compiled)) {
      for (Path file :
          classes
              .filter(
                  p ->
                      p.getFileName().toString().startsWith("OutsideJvmProgram")
                          && p.getFileName().toString().endsWith(".class"))
              .toList()) {
        Files.copy(
            file, packageDir.resolve(file.getFileName()), StandardCopyOption.REPLACE_EXISTING);
      }
    }
    List<String> entries = new ArrayList<>();
    entries.add(jar.toAbsolutePath().toString());
    entries.add(Files.readString(dependencies).trim());
    entries.add(programClasses.toString());
    return String.join(File.pathSeparator, entries);
  }

  private static JsonObject awaitFrame(
      List<JsonObject> frames, java.util.function.Predicate<JsonObject> match, String what) {
    JsonObject[] found = new JsonObject[1];
    MeshProcesses.await(
        Duration.ofSeconds(20),
        () -> {
          for (JsonObject frame : frames) {
            if (match.test(frame)) {
              found[0] = frame;
              return true;
            }
          }
          return false;
        },
        "no " + what + " frame; frames: " + frames);
    return found[0];
  }
}
