package dev.mesh.bench.e2e;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.http.WebSocket;
import io.vertx.core.http.WebSocketClient;
import io.vertx.core.http.WebSocketConnectOptions;
import io.vertx.core.json.JsonObject;
import io.vertx.ext.auth.JWTOptions;
import io.vertx.ext.auth.PubSecKeyOptions;
import io.vertx.ext.auth.jwt.JWTAuth;
import io.vertx.ext.auth.jwt.JWTAuthOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * {@code MESH_LOG_FORMAT=json} on the three fat jars as separate JVMs: their whole output, line by
 * line.
 */
@DisplayName("End to end: JSON logs")
class JsonLogsEndToEndTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final Duration READY_TIMEOUT = Duration.ofSeconds(90);
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Set<String> LEVELS = Set.of("ERROR", "WARN", "INFO", "DEBUG", "TRACE");

  private MeshProcesses mesh;
  private Vertx clients;

  @BeforeEach
  void createGroup() {
    mesh = new MeshProcesses(REPO, Path.of("target", "e2e-logs", "json-logs-" + System.nanoTime()));
    clients = Vertx.vertx();
  }

  @AfterEach
  void cleanUp() throws Exception {
    mesh.close();
    clients.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
  }

  @Test
  @DisplayName(
      "every line each service writes is one JSON object; service, node, user and connection are fields")
  void everyLineIsJson() throws Exception {
    mesh.withEnv("MESH_LOG_FORMAT", "json");
    ServiceProcess presence = mesh.start(ServiceKind.PRESENCE, "presence");
    ServiceProcess replay = mesh.start(ServiceKind.REPLAY, "replay");
    ServiceProcess connection = mesh.start(ServiceKind.CONNECTION, "connection");
    List<ServiceProcess> all = List.of(presence, replay, connection);
    mesh.awaitReady(READY_TIMEOUT, presence, replay, connection);
    Map<ServiceProcess, String> nodeIds =
        Map.of(presence, nodeId(presence), replay, nodeId(replay), connection, nodeId(connection));

    // One page opens and closes a connection: the edge logs both, about that user and connection.
    JWTAuth jwt =
        JWTAuth.create(
            clients,
            new JWTAuthOptions()
                .addPubSecKey(
                    new PubSecKeyOptions()
                        .setAlgorithm("HS256")
                        .setBuffer(MeshProcesses.JWT_SECRET)));
    String token =
        jwt.generateToken(
            new JsonObject().put("sub", "ann"), new JWTOptions().setExpiresInMinutes(10));
    Promise<String> welcomed = Promise.promise();
    // Closed after the socket, which keeps it reachable until then: Vert.x closes an unreachable
    // client's sockets when the garbage collector finds it.
    WebSocketClient webSockets = clients.createWebSocketClient();
    WebSocket socket =
        webSockets
            .connect(
                new WebSocketConnectOptions()
                    .setHost("127.0.0.1")
                    .setPort(connection.httpPort())
                    .setURI("/ws?session=s&tab=t&page=p")
                    .addHeader("Authorization", "Bearer " + token))
            .onSuccess(
                ws ->
                    ws.textMessageHandler(
                        text -> {
                          JsonObject frame = new JsonObject(text);
                          if ("welcome".equals(frame.getString("type"))) {
                            welcomed.tryComplete(frame.getString("connectionId"));
                          }
                        }))
            .toCompletionStage()
            .toCompletableFuture()
            .get(30, TimeUnit.SECONDS);
    String connectionId =
        welcomed.future().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
    socket.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    webSockets.close();
    MeshProcesses.await(
        Duration.ofSeconds(20),
        () -> connection.logText().contains("event=connection-close"),
        "the edge never logged the close");

    // The edge first: stopped before it, the data members would leave it logging lost partitions.
    for (ServiceProcess process : List.of(connection, replay, presence)) {
      assertThat(process.terminate(Duration.ofSeconds(30)))
          .as(process + " exit after SIGTERM")
          .isPresent();
    }

    for (ServiceProcess process : all) {
      List<JsonNode> lines = parse(process);
      String service = process.kind().module();
      String nodeId = nodeIds.get(process);
      assertThat(lines).as(process + " lines").isNotEmpty();
      for (JsonNode line : lines) {
        assertThat(Instant.parse(line.path("timestamp").asText())).isNotNull();
        assertThat(line.path("level").asText()).isIn(LEVELS);
        assertThat(line.path("logger").asText()).isNotBlank();
        assertThat(line.path("thread").asText()).isNotBlank();
        assertThat(line.path("message").isTextual()).as(line.toString()).isTrue();
        assertThat(line.path("service").asText()).as(line.toString()).isEqualTo(service);
      }
      // Lines a running node writes name it; its start and stop bracket the rest.
      assertThat(lines)
          .as(process + ": the ready line")
          .anySatisfy(
              line -> {
                assertThat(line.path("message").asText()).startsWith("event=ready");
                assertThat(line.path("node").asText()).isEqualTo(nodeId);
              });
      assertThat(lines)
          .as(process + ": the stopping line")
          .anySatisfy(
              line -> {
                assertThat(line.path("message").asText()).startsWith("event=stopping");
                assertThat(line.path("node").asText()).isEqualTo(nodeId);
              });
    }

    List<JsonNode> edgeLines = parse(connection);
    for (String event : List.of("event=connection-open", "event=connection-close")) {
      JsonNode line =
          edgeLines.stream()
              .filter(l -> l.path("message").asText().startsWith(event + " "))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no " + event + " line"));
      assertThat(line.path("user").asText()).as(event).isEqualTo("ann");
      assertThat(line.path("connection").asText()).as(event).isEqualTo(connectionId);
      assertThat(line.path("node").asText()).as(event).isEqualTo(nodeIds.get(connection));
      assertThat(line.path("service").asText()).as(event).isEqualTo("connection-service");
    }
    // Connection fields never outlive the line they were set for (event loops serve every
    // connection).
    assertThat(
            edgeLines.stream()
                .filter(l -> l.has("connection"))
                .map(l -> l.path("message").asText()))
        .allSatisfy(message -> assertThat(message).contains(connectionId));
  }

  @Test
  @DisplayName("an unknown MESH_LOG_FORMAT stops start-up with a clear message and exit status 2")
  void unknownFormatIsRejected() {
    ServiceProcess presence =
        mesh.start(ServiceKind.PRESENCE, "bad-format", Map.of("MESH_LOG_FORMAT", "xml"));
    assertThat(presence.waitForExit(Duration.ofSeconds(30))).contains(2);
    assertThat(presence.logText())
        .contains("mesh: invalid configuration:")
        .contains("MESH_LOG_FORMAT=xml: must be one of text, json");
  }

  private static String nodeId(ServiceProcess process) {
    return process.readiness().orElseThrow().check("cluster").getString("nodeId");
  }

  /**
   * Every line of the process's output (stdout and stderr) as JSON; fails on the first line that is
   * not.
   */
  private static List<JsonNode> parse(ServiceProcess process) throws IOException {
    List<JsonNode> parsed = new ArrayList<>();
    int number = 0;
    for (String line : Files.readAllLines(process.log())) {
      number++;
      try {
        JsonNode node = JSON.readTree(line);
        if (node == null || !node.isObject()) {
          fail(process + " line " + number + " is not a JSON object: " + line);
        }
        parsed.add(node);
      } catch (IOException e) {
        fail(process + " line " + number + " is not JSON: " + line);
      }
    }
    return parsed;
  }
}
