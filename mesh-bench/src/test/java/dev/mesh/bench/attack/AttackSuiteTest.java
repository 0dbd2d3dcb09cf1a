package dev.mesh.bench.attack;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.BenchTokens;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.Prometheus;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.cluster.BusTlsOptions;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.testing.BusCertificates;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.MessageConsumer;
import io.vertx.core.http.HttpMethod;
import io.vertx.core.json.JsonObject;
import java.io.File;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyPairGenerator;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import javax.crypto.Mac;
import javax.crypto.spec.SecretKeySpec;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * The attack suite (issue 12): every attack of the issue and of docs/SECURITY.md against separate
 * service JVMs (two connection nodes and replay-service, event-bus TLS on), one table row each. A
 * row passes only when the attack was refused with the documented status or close code, left no
 * file and no Hazelcast state behind (channel logs, tickets), both nodes answer /ready with a
 * bounded heap, and two healthy pages kept exchanging events throughout.
 */
@DisplayName("Attack suite: separate JVMs, every door tried, one row per attack")
@TestMethodOrder(MethodOrderer.DisplayName.class)
class AttackSuiteTest {

  private static final Path REPO = Path.of(System.getProperty("mesh.repo.root", ".."));
  private static final Base64.Encoder B64 = Base64.getUrlEncoder().withoutPadding();
  private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
  private static final int MAX_CHANNELS_PER_USER = 5;

  /** The heap a node may use after any attack (its -Xmx is 256 MiB). */
  private static final double MAX_HEAP_MIB = 230;

  private static final List<String> ROWS = new ArrayList<>();

  private static Vertx vertx;
  private static MeshProcesses mesh;
  private static ServiceProcess nodeA;
  private static ServiceProcess nodeB;
  private static MeshNode rogue;

  /** A member with the bus certificate, in this JVM: it hears what the rogue must not. */
  private static MeshNode witness;

  private static HealthyPages pages;
  private static BenchTokens tokens;
  private static Path certs;
  private static Set<String> uploadsBefore;
  private static final AtomicInteger ADDRESS = new AtomicInteger(10);

  @BeforeAll
  static void start() throws Exception {
    vertx = Vertx.vertx();
    tokens = new BenchTokens(vertx, MeshProcesses.JWT_SECRET);
    certs = Files.createTempDirectory("mesh-attack-certs");
    mesh = new MeshProcesses(REPO, Path.of("target", "attack-logs"));
    ServiceProcess replay =
        mesh.start(
            ServiceKind.REPLAY,
            "replay",
            env(
                tls("replay"),
                "MESH_MAX_CHANNELS_PER_USER",
                Integer.toString(MAX_CHANNELS_PER_USER)));
    Map<String, String> edge =
        Map.of(
            "MESH_ALLOWED_ORIGINS", "https://app.example",
            "MESH_HTTP_REQUEST_TIMEOUT", REQUEST_TIMEOUT.toSeconds() + "s",
            "MESH_HTTP_IDLE_TIMEOUT", "10s",
            "MESH_CONNECT_RATE_PER_ADDRESS", "5",
            "MESH_CONNECT_BURST_PER_ADDRESS", "20",
            "MESH_POST_RATE_PER_ADDRESS", "10",
            "MESH_POST_BURST_PER_ADDRESS", "30");
    nodeA = mesh.start(ServiceKind.CONNECTION, "connection-a", merge(tls("connection-a"), edge));
    nodeB = mesh.start(ServiceKind.CONNECTION, "connection-b", merge(tls("connection-b"), edge));
    mesh.awaitReady(Duration.ofMinutes(3), replay, nodeA, nodeB);
    // A process that knows the cluster's name and reaches its Hazelcast port, without the bus
    // certificate: it joins
    // (open-source Hazelcast cannot stop it) and is used below both as the rogue and to read what
    // Hazelcast holds.
    int base = mesh.hazelcastPortBase();
    ClusterOptions cluster =
        ClusterOptions.defaults()
            .withClusterName(mesh.clusterName())
            .withPort(base)
            .withMembers(
                List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2)))
            .withFailureDetection(Duration.ofSeconds(1), Duration.ofSeconds(3));
    rogue = Attacker.await(MeshCluster.start(cluster, BusTlsOptions.off(), null));
    witness =
        Attacker.await(
            MeshCluster.start(
                cluster.withLiteMember(true), BusCertificates.make(certs, "witness"), null));
    pages =
        new HealthyPages(
            vertx,
            nodeA.httpPort(),
            nodeB.httpPort(),
            tokens.token("healthy-a"),
            tokens.token("healthy-b"));
    pages.start();
    uploadsBefore = uploads();
    assertThat(pages.check(pages.received(), 3))
        .as("the healthy pages exchange events")
        .startsWith("+");
  }

  @AfterAll
  static void stop() throws Exception {
    System.out.println("\n" + header());
    ROWS.forEach(System.out::println);
    if (pages != null) {
      pages.close();
    }
    if (witness != null) {
      try {
        Attacker.await(witness.close());
      } catch (AssertionError e) {
        // the processes are going away anyway
      }
    }
    if (rogue != null) {
      try {
        Attacker.await(rogue.close());
      } catch (AssertionError e) {
        // the processes are going away anyway
      }
    }
    if (mesh != null) {
      mesh.close();
    }
    vertx.close().toCompletionStage().toCompletableFuture().get();
  }

  // ------------------------------------------------------------------------------------------------ the harness

  private static Map<String, String> tls(String name) throws Exception {
    BusTlsOptions options = BusCertificates.make(certs, name);
    return Map.of(
        "MESH_BUS_TLS_KEY",
        options.keyPath(),
        "MESH_BUS_TLS_CERT",
        options.certPath(),
        "MESH_BUS_TLS_CA",
        options.caPath());
  }

  private static Map<String, String> env(Map<String, String> base, String... pairs) {
    Map<String, String> all = new HashMap<>(base);
    for (int i = 0; i < pairs.length; i += 2) {
      all.put(pairs[i], pairs[i + 1]);
    }
    return all;
  }

  private static Map<String, String> merge(Map<String, String> a, Map<String, String> b) {
    Map<String, String> all = new HashMap<>(a);
    all.putAll(b);
    return all;
  }

  /** A fresh loopback address per attacker: per-address limits of one row never touch another. */
  private static Attacker attacker() {
    return new Attacker(vertx, "127.0.0." + ADDRESS.getAndIncrement());
  }

  private static Set<String> uploads() {
    Set<String> names = new TreeSet<>();
    for (String dir : List.of("file-uploads", "../file-uploads")) {
      File[] files = new File(dir).listFiles();
      if (files != null) {
        for (File file : files) {
          names.add(dir + "/" + file.getName());
        }
      }
    }
    return names;
  }

  private static Set<String> channels() {
    return new HashSet<>(rogue.hazelcast().<String, Object>getMap("mesh.replay.channels").keySet());
  }

  private static int tickets() {
    return rogue.hazelcast().getMap("mesh.auth.tickets").size();
  }

  private static String header() {
    return String.format(
        "%-44s | %-30s | %-40s | %-18s | %-22s | %-16s | %s",
        "attack", "expected", "seen", "state left", "nodes", "healthy pages", "result");
  }

  /**
   * Runs one attack: {@code attack} returns what was seen and throws when the refusal was not the
   * documented one. Then the row checks that no file, no new channel log (other than {@code
   * channelsAllowed}) and no ticket (beyond {@code ticketsAllowed}) is left, both nodes are ready
   * with a bounded heap, and the healthy pages kept going.
   */
  private static void row(
      String name,
      String expected,
      Predicate<String> channelsAllowed,
      int ticketsAllowed,
      Callable<String> attack)
      throws Exception {
    Set<String> channelsBefore = channels();
    int ticketsBefore = tickets();
    long eventsBefore = pages.received();
    String seen;
    Throwable failure = null;
    try {
      seen = attack.call();
    } catch (Throwable e) {
      seen = "FAILED: " + e.getMessage();
      failure = e;
    }
    Set<String> newChannels = channels();
    newChannels.removeAll(channelsBefore);
    newChannels.removeIf(channelsAllowed);
    int extraTickets = tickets() - ticketsBefore - ticketsAllowed;
    Set<String> newUploads = uploads();
    newUploads.removeAll(uploadsBefore);
    String state =
        newChannels.isEmpty() && extraTickets <= 0 && newUploads.isEmpty()
            ? "none"
            : "LEFT "
                + newChannels
                + (extraTickets > 0 ? " tickets+" + extraTickets : "")
                + newUploads;
    String nodes = health(nodeA) + " " + health(nodeB);
    String healthy = pages.check(eventsBefore, 2);
    boolean passed =
        failure == null
            && state.equals("none")
            && !nodes.contains("DOWN")
            && !nodes.contains("HEAP")
            && healthy.startsWith("+");
    String line =
        String.format(
            "%-44s | %-30s | %-40s | %-18s | %-22s | %-16s | %s",
            name,
            expected,
            seen.length() > 40 ? seen.substring(0, 40) : seen,
            state,
            nodes,
            healthy,
            passed ? "PASS" : "FAIL");
    synchronized (ROWS) {
      ROWS.add(line);
    }
    System.out.println(header() + "\n" + line);
    if (failure != null) {
      throw new AssertionError(name + ": " + failure.getMessage(), failure);
    }
    assertThat(passed).as(line).isTrue();
  }

  private static String health(ServiceProcess node) {
    boolean ready = node.readiness().map(ServiceProcess.Readiness::isReady).orElse(false);
    double heapMib =
        node.getOps("/metrics")
                .map(
                    r ->
                        Prometheus.sum(r.body(), "jvm_memory_used_bytes", "area=\"heap\"")
                            .orElse(0))
                .orElse(0.0)
            / (1024 * 1024);
    return (ready ? "ready" : "DOWN")
        + "/"
        + (heapMib > MAX_HEAP_MIB ? "HEAP" : "")
        + Math.round(heapMib)
        + "MiB";
  }

  private static String check(boolean condition, String seen) {
    if (!condition) {
      throw new AssertionError("unexpected: " + seen);
    }
    return seen;
  }

  /** No channel is allowed. */
  private static boolean none(String line) {
    return false;
  }

  // ------------------------------------------------------------------------------------------------ tokens

  private static String hs256(byte[] key, String header, JsonObject claims) throws Exception {
    String input =
        B64.encodeToString(header.getBytes(StandardCharsets.UTF_8))
            + "."
            + B64.encodeToString(claims.encode().getBytes(StandardCharsets.UTF_8));
    Mac mac = Mac.getInstance("HmacSHA256");
    mac.init(new SecretKeySpec(key, "HmacSHA256"));
    return input + "." + B64.encodeToString(mac.doFinal(input.getBytes(StandardCharsets.US_ASCII)));
  }

  private static String forged() {
    return B64.encodeToString("{\"alg\":\"HS256\"}".getBytes(UTF_8))
        + "."
        + B64.encodeToString("{\"sub\":\"a\",\"exp\":100000000000000000}".getBytes(UTF_8))
        + ".c2lnbmF0dXJl";
  }

  private static Map<String, String> bearer(String token) {
    return Map.of("Authorization", "Bearer " + token);
  }

  private static final String WS = "/ws?session=s&tab=t&page=";

  // ------------------------------------------------------------------------------------------------ the rows

  @Test
  @DisplayName("01 multipart upload to every route")
  void multipartUploads() throws Exception {
    row(
        "multipart upload to every route, +/- token",
        "4xx (200 ticket), no file",
        AttackSuiteTest::none,
        2,
        () -> {
          Attacker attacker = attacker();
          Map<Integer, Integer> statuses = new java.util.TreeMap<>();
          for (String route :
              List.of(
                  "/sse/x",
                  "/sse",
                  "/ws",
                  "/auth/ticket",
                  "/",
                  "/mesh-client.js",
                  "/demo/token",
                  "/nope")) {
            for (String token : java.util.Arrays.asList(null, tokens.token("uploader"))) {
              Map<String, String> headers = new HashMap<>();
              headers.put("Content-Type", "multipart/form-data; boundary=b0");
              if (token != null) {
                headers.put("Authorization", "Bearer " + token);
              }
              // Multipart wants CRLF line ends: a text block would give LF.
              Buffer body =
                  Buffer.buffer(
                          String.join(
                              "\r\n",
                              "--b0",
                              "Content-Disposition: form-data; name=\"f\"; filename=\"x.bin\"",
                              "Content-Type: application/octet-stream",
                              "",
                              ""))
                      .appendBytes(new byte[200_000])
                      .appendString("\r\n--b0--\r\n");
              int status =
                  attacker
                      .request(HttpMethod.POST, nodeA.httpPort(), route, headers, body)
                      .status();
              statuses.merge(status, 1, Integer::sum);
              check(
                  status >= 200
                      && status < 500
                      && (status < 300 ? route.equals("/auth/ticket") : true),
                  route + " -> " + status);
            }
          }
          return statuses.toString();
        });
  }

  @Test
  @DisplayName("02 forged token exp=1e17 on every endpoint")
  void forgedToken() throws Exception {
    row(
        "forged token {alg HS256, exp 1e17}",
        "401 x4, /ws answered",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String ws =
              attacker.handshake(
                  nodeA.httpPort(), WS + "f", "Authorization: Bearer " + forged() + "\r\n");
          int sse =
              attacker
                  .request(
                      HttpMethod.GET,
                      nodeA.httpPort(),
                      "/sse?session=s&tab=t&page=f",
                      bearer(forged()),
                      null)
                  .status();
          int ticket =
              attacker
                  .request(
                      HttpMethod.POST, nodeA.httpPort(), "/auth/ticket", bearer(forged()), null)
                  .status();
          int post =
              attacker
                  .request(
                      HttpMethod.POST,
                      nodeA.httpPort(),
                      "/sse/x",
                      bearer(forged()),
                      Buffer.buffer("{\"type\":\"ping\"}"))
                  .status();
          String seen =
              ws.replace("HTTP/1.1 ", "ws ")
                  + " sse "
                  + sse
                  + " ticket "
                  + ticket
                  + " post "
                  + post;
          return check(
              ws.startsWith("HTTP/1.1 401") && sse == 401 && ticket == 401 && post == 401, seen);
        });
  }

  @Test
  @DisplayName("03 alg none and algorithm confusion")
  void algorithms() throws Exception {
    row(
        "alg none; HS256 keyed with an RSA public key",
        "401 algorithm / bad-signature",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          JsonObject claims =
              new JsonObject()
                  .put("sub", "root")
                  .put("exp", Instant.now().getEpochSecond() + 600)
                  .put("mesh", new JsonObject().put("subscribe", List.of("*")));
          String none =
              B64.encodeToString("{\"alg\":\"none\"}".getBytes(UTF_8))
                  + "."
                  + B64.encodeToString(claims.encode().getBytes(UTF_8))
                  + ".";
          var rsa = KeyPairGenerator.getInstance("RSA").generateKeyPair();
          String confused =
              hs256(
                  ("-----BEGIN PUBLIC KEY-----\n"
                          + Base64.getMimeEncoder().encodeToString(rsa.getPublic().getEncoded())
                          + "\n-----END PUBLIC KEY-----\n")
                      .getBytes(UTF_8),
                  "{\"alg\":\"HS256\"}",
                  claims);
          Attacker.Response noneSse =
              attacker.request(
                  HttpMethod.GET,
                  nodeA.httpPort(),
                  "/sse?session=s&tab=t&page=n",
                  bearer(none),
                  null);
          Attacker.Response confusedSse =
              attacker.request(
                  HttpMethod.GET,
                  nodeA.httpPort(),
                  "/sse?session=s&tab=t&page=c",
                  bearer(confused),
                  null);
          String ws =
              attacker.handshake(
                  nodeB.httpPort(), WS + "n", "Authorization: Bearer " + none + "\r\n");
          String seen =
              "none "
                  + noneSse.json().getString("cause")
                  + ", confusion "
                  + confusedSse.json().getString("cause")
                  + ", ws "
                  + ws.replace("HTTP/1.1 ", "");
          return check(
              noneSse.status() == 401
                  && "algorithm".equals(noneSse.json().getString("cause"))
                  && confusedSse.status() == 401
                  && "bad-signature".equals(confusedSse.json().getString("cause"))
                  && ws.startsWith("HTTP/1.1 401"),
              seen);
        });
  }

  @Test
  @DisplayName("04 cross-site origin on every endpoint")
  void crossSite() throws Exception {
    row(
        "cross-site Origin on every endpoint",
        "403 JSON origin x4, /ws 403",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String token = tokens.token("victim");
          Map<String, String> evil =
              Map.of(
                  "Origin",
                  "https://evil.example",
                  "Authorization",
                  "Bearer " + token,
                  "Cookie",
                  "mesh_token=" + token);
          List<Attacker.Response> refused =
              List.of(
                  attacker.request(
                      HttpMethod.GET, nodeA.httpPort(), "/sse?session=s&tab=t&page=o", evil, null),
                  attacker.request(HttpMethod.POST, nodeA.httpPort(), "/auth/ticket", evil, null),
                  attacker.request(
                      HttpMethod.POST,
                      nodeA.httpPort(),
                      "/sse/x",
                      evil,
                      Buffer.buffer("{\"type\":\"ping\"}")),
                  attacker.request(
                      HttpMethod.OPTIONS,
                      nodeA.httpPort(),
                      "/auth/ticket",
                      Map.of(
                          "Origin",
                          "https://evil.example",
                          "Access-Control-Request-Method",
                          "POST"),
                      null));
          String ws =
              attacker.handshake(
                  nodeA.httpPort(),
                  WS + "o",
                  "Origin: https://evil.example\r\nCookie: mesh_token=" + token + "\r\n");
          boolean json =
              refused.stream()
                  .allMatch(
                      r ->
                          r.status() == 403
                              && "origin".equals(r.json().getString("cause"))
                              && r.headers().get("Access-Control-Allow-Origin") == null);
          return check(
              json && ws.startsWith("HTTP/1.1 403"),
              "403 origin x" + refused.size() + ", ws " + ws.replace("HTTP/1.1 ", ""));
        });
  }

  @Test
  @DisplayName("05 MESH_ALLOWED_ORIGINS=* with cookie auth")
  void anyOriginRefusedAtStart() throws Exception {
    row(
        "MESH_ALLOWED_ORIGINS=* with cookie auth",
        "exit 2 at start",
        AttackSuiteTest::none,
        0,
        () -> {
          ServiceProcess star =
              mesh.start(
                  ServiceKind.CONNECTION, "origins-star", Map.of("MESH_ALLOWED_ORIGINS", "*"));
          int exit = star.waitForExit(Duration.ofSeconds(60)).orElse(-1);
          return check(
              exit == 2 && star.logText().contains("MESH_AUTH_COOKIE=none"), "exit " + exit);
        });
  }

  @Test
  @DisplayName("06 replay HTTP API off loopback without a token")
  void replayHttpNeedsToken() throws Exception {
    row(
        "replay HTTP bound to 0.0.0.0, no token",
        "exit 2 at start",
        AttackSuiteTest::none,
        0,
        () -> {
          ServiceProcess open =
              mesh.start(
                  ServiceKind.REPLAY, "replay-open", Map.of("MESH_REPLAY_HTTP_HOST", "0.0.0.0"));
          int exit = open.waitForExit(Duration.ofSeconds(60)).orElse(-1);
          return check(exit == 2 && open.logText().contains("MESH_PUBLISH_TOKEN"), "exit " + exit);
        });
  }

  @Test
  @DisplayName("07 rogue cluster member without the bus certificate")
  void rogueMember() throws Exception {
    row(
        "rogue member, no bus certificate",
        "joins Hazelcast; bus: 0 in, 0 out",
        AttackSuiteTest::none,
        0,
        () -> {
          AtomicInteger heard = new AtomicInteger();
          Attacker.await(
              rogue
                  .vertx()
                  .eventBus()
                  .consumer(Addresses.CONNECTION_EVENTS, m -> heard.incrementAndGet())
                  .completion());
          // The witness, a member with the certificate, hears the close that the rogue must not:
          // once it has, the event was published to every consumer, the rogue's included.
          Promise<Void> witnessHeardClose = Promise.promise();
          MessageConsumer<Object> witnessing =
              witness
                  .vertx()
                  .eventBus()
                  .consumer(
                      Addresses.CONNECTION_EVENTS,
                      m -> {
                        if (m.body() instanceof ConnectionClosed closed
                            && closed.identity().userId().equals("someone")) {
                          witnessHeardClose.tryComplete();
                        }
                      });
          Attacker.await(witnessing.completion());
          // Mesh publishes connection events on every open and close; the rogue must hear none.
          Attacker attacker = attacker();
          Attacker.Socket ws =
              attacker.webSocket(nodeA.httpPort(), WS + "r", bearer(tokens.token("someone")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          ws.ws.close();
          String publish =
              Attacker.await(
                  rogue
                      .vertx()
                      .eventBus()
                      .request(
                          Addresses.PUBLISH,
                          new PublishRequest(
                              "rogue:1",
                              "r1",
                              com.fasterxml.jackson.databind.node.TextNode.valueOf("x"),
                              false),
                          new DeliveryOptions().setSendTimeout(3000))
                      .transform(
                          ar ->
                              io.vertx.core.Future.succeededFuture(
                                  ar.succeeded() ? "DELIVERED" : "refused")));
          Attacker.await(witnessHeardClose.future().timeout(30, TimeUnit.SECONDS));
          Attacker.await(witnessing.unregister());
          String seen =
              "members " + rogue.memberCount() + ", publish " + publish + ", heard " + heard.get();
          return check(
              rogue.memberCount() >= 4 && publish.equals("refused") && heard.get() == 0, seen);
        });
  }

  @Test
  @DisplayName("08 tickets at rest")
  void ticketsAtRest() throws Exception {
    row(
        "read mesh.auth.tickets as a member",
        "hashes, no token; key not redeemable",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String token = tokens.token("ticket-owner");
          String ticket =
              attacker
                  .request(HttpMethod.POST, nodeA.httpPort(), "/auth/ticket", bearer(token), null)
                  .json()
                  .getString("ticket");
          var map = rogue.hazelcast().<String, String>getMap("mesh.auth.tickets");
          boolean rawTokenStored =
              map.values().stream().anyMatch(v -> v.contains("eyJ") || v.contains(token));
          boolean ticketIsKey = map.containsKey(ticket);
          String storedKey = map.keySet().iterator().next();
          String redeemKey = attacker.handshake(nodeB.httpPort(), WS + "k&ticket=" + storedKey, "");
          String redeem = attacker.handshake(nodeB.httpPort(), WS + "t&ticket=" + ticket, "");
          String seen =
              "token stored "
                  + rawTokenStored
                  + ", key=ticket "
                  + ticketIsKey
                  + ", key as ticket "
                  + redeemKey.replace("HTTP/1.1 ", "");
          return check(
              !rawTokenStored
                  && !ticketIsKey
                  && redeemKey.startsWith("HTTP/1.1 401")
                  && redeem.startsWith("HTTP/1.1 101"),
              seen);
        });
  }

  @Test
  @DisplayName("09 ticket replay and reuse across two nodes")
  void ticketReplay() throws Exception {
    row(
        "ticket reused, on the same and the other node",
        "first 101, then 401 x2",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String ticket =
              attacker
                  .request(
                      HttpMethod.POST,
                      nodeA.httpPort(),
                      "/auth/ticket",
                      bearer(tokens.token("ticket-user")),
                      null)
                  .json()
                  .getString("ticket");
          String first = attacker.handshake(nodeB.httpPort(), WS + "r1&ticket=" + ticket, "");
          String again = attacker.handshake(nodeB.httpPort(), WS + "r2&ticket=" + ticket, "");
          String other = attacker.handshake(nodeA.httpPort(), WS + "r3&ticket=" + ticket, "");
          String seen =
              first.replace("HTTP/1.1 ", "")
                  + " / "
                  + again.replace("HTTP/1.1 ", "")
                  + " / "
                  + other.replace("HTTP/1.1 ", "");
          return check(
              first.startsWith("HTTP/1.1 101")
                  && again.startsWith("HTTP/1.1 401")
                  && other.startsWith("HTTP/1.1 401"),
              seen);
        });
  }

  @Test
  @DisplayName("10 spoofed publisher")
  void spoofedPublisher() throws Exception {
    row(
        "publish claiming another author",
        "event.userId = real sender",
        c -> c.equals("spoof:room"),
        0,
        () -> {
          Attacker attacker = attacker();
          Attacker.Socket reader =
              attacker.webSocket(nodeB.httpPort(), WS + "sr", bearer(tokens.token("reader")));
          Attacker.Socket liar =
              attacker.webSocket(nodeA.httpPort(), WS + "sl", bearer(tokens.token("liar")));
          reader.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          liar.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          reader.send(
              new JsonObject()
                  .put("type", "subscribe")
                  .put("id", "s")
                  .put("channel", "spoof:room"));
          reader.await(f -> "s".equals(f.getString("id")), Duration.ofSeconds(10));
          liar.send(
              new JsonObject()
                  .put("type", "publish")
                  .put("id", "p")
                  .put("channel", "spoof:room")
                  .put("userId", "admin")
                  .put("data", new JsonObject().put("from", "admin")));
          JsonObject event =
              reader.await(f -> "event".equals(f.getString("type")), Duration.ofSeconds(10));
          reader.ws.close();
          liar.ws.close();
          return check(
              "liar".equals(event.getString("userId")), "userId " + event.getString("userId"));
        });
  }

  @Test
  @DisplayName("11 subscribing to unknown channels")
  void unknownChannels() throws Exception {
    row(
        "subscribe to 30 random channels",
        "subscribed (0,0), 0 logs",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker.Socket ws =
              attacker().webSocket(nodeA.httpPort(), WS + "u", bearer(tokens.token("scanner")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          for (int i = 0; i < 30; i++) {
            ws.send(
                new JsonObject()
                    .put("type", "subscribe")
                    .put("id", "u" + i)
                    .put("channel", "random:" + i + ":" + System.nanoTime()));
          }
          JsonObject last = ws.await(f -> "u29".equals(f.getString("id")), Duration.ofSeconds(20));
          ws.ws.close();
          return check(
              "0".equals(last.getJsonObject("position").getString("epoch")),
              "last position " + last.getJsonObject("position").encode());
        });
  }

  @Test
  @DisplayName("12 creating channels past the per-user cap")
  void channelCap() throws Exception {
    row(
        "publish to " + (MAX_CHANNELS_PER_USER + 3) + " new channels",
        MAX_CHANNELS_PER_USER + " created, then too-many-channels",
        c -> c.startsWith("cap:"),
        0,
        () -> {
          Attacker.Socket ws =
              attacker().webSocket(nodeA.httpPort(), WS + "c", bearer(tokens.token("creator")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          String run = Long.toString(System.nanoTime(), 36);
          List<String> codes = new ArrayList<>();
          for (int i = 0; i < MAX_CHANNELS_PER_USER + 3; i++) {
            ws.send(
                new JsonObject()
                    .put("type", "publish")
                    .put("id", "c" + i)
                    .put("channel", "cap:" + run + ":" + i)
                    .put("data", i));
            String id = "c" + i;
            JsonObject reply = ws.await(f -> id.equals(f.getString("id")), Duration.ofSeconds(10));
            codes.add(reply.getString("type").equals("published") ? "ok" : reply.getString("code"));
          }
          ws.ws.close();
          long created = channels().stream().filter(c -> c.startsWith("cap:" + run)).count();
          String seen = "created " + created + ", then " + codes.get(codes.size() - 1);
          return check(
              created == MAX_CHANNELS_PER_USER
                  && codes.subList(MAX_CHANNELS_PER_USER, codes.size()).stream()
                      .allMatch("too-many-channels"::equals),
              seen);
        });
  }

  @Test
  @DisplayName("13 oversize frame")
  void oversize() throws Exception {
    row(
        "one 70 KB WebSocket message",
        "close 1009",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker.Socket ws =
              attacker().webSocket(nodeA.httpPort(), WS + "big", bearer(tokens.token("bigmouth")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          ws.ws.writeTextMessage("{\"type\":\"ping\",\"pad\":\"" + "x".repeat(70_000) + "\"}");
          int code = ws.closeCode(Duration.ofSeconds(10));
          return check(code == 1009, "close " + code);
        });
  }

  @Test
  @DisplayName("14 deeply nested frame")
  void nested() throws Exception {
    row(
        "JSON nested 500 deep",
        "malformed-json, stays open",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker.Socket ws =
              attacker().webSocket(nodeA.httpPort(), WS + "deep", bearer(tokens.token("nester")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          ws.ws.writeTextMessage(
              "{\"type\":\"ping\",\"x\":" + "[".repeat(500) + "]".repeat(500) + "}");
          JsonObject error =
              ws.await(f -> "error".equals(f.getString("type")), Duration.ofSeconds(10));
          ws.send(new JsonObject().put("type", "ping").put("id", "still"));
          ws.await(f -> "still".equals(f.getString("id")), Duration.ofSeconds(10));
          ws.ws.close();
          return check(
              "malformed-json".equals(error.getString("code")),
              error.getString("code") + ", pong after");
        });
  }

  @Test
  @DisplayName("15 slowloris on the upgrade")
  void slowlorisUpgrade() throws Exception {
    row(
        "upgrade headers, 1 byte / 100 ms",
        "cut at " + REQUEST_TIMEOUT.toSeconds() + " s",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String request =
              "GET "
                  + WS
                  + "slow HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                  + "Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nX-Pad: "
                  + "p".repeat(200)
                  + "\r\n\r\n";
          long ms =
              attacker.closedAfter(
                  nodeA.httpPort(),
                  socket -> attacker.trickle(socket, request, 100),
                  Duration.ofSeconds(20));
          return check(ms < REQUEST_TIMEOUT.toMillis() + 3000, "closed after " + ms + " ms");
        });
  }

  @Test
  @DisplayName("16 slowloris on SSE")
  void slowlorisSse() throws Exception {
    row(
        "GET /sse headers, 1 byte / 100 ms",
        "cut at " + REQUEST_TIMEOUT.toSeconds() + " s",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String request =
              "GET /sse?session=s&tab=t&page=slow HTTP/1.1\r\nHost: x\r\nAccept: text/event-stream\r\nX-Pad: "
                  + "p".repeat(200)
                  + "\r\n\r\n";
          long ms =
              attacker.closedAfter(
                  nodeB.httpPort(),
                  socket -> attacker.trickle(socket, request, 100),
                  Duration.ofSeconds(20));
          return check(ms < REQUEST_TIMEOUT.toMillis() + 3000, "closed after " + ms + " ms");
        });
  }

  @Test
  @DisplayName("17 deflate bomb")
  void deflateBomb() throws Exception {
    row(
        "permessage-deflate offered; 1 MiB bomb",
        "not negotiated; closed",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String offered =
              attacker.handshakeHeaders(
                  nodeA.httpPort(),
                  WS + "zip",
                  "Sec-WebSocket-Extensions: permessage-deflate\r\nAuthorization: Bearer "
                      + tokens.token("zipper")
                      + "\r\n");
          java.util.zip.Deflater deflater = new java.util.zip.Deflater(9, true);
          deflater.setInput(new byte[1 << 20]);
          deflater.finish();
          byte[] compressed = new byte[1 << 16];
          int length = deflater.deflate(compressed);
          String bomb = rawRsv1(attacker, length, compressed);
          boolean negotiated =
              offered.toLowerCase(Locale.ROOT).contains("sec-websocket-extensions");
          return check(
              offered.startsWith("HTTP/1.1 101") && !negotiated,
              "extension " + (negotiated ? "AGREED" : "none") + ", bomb " + bomb);
        });
  }

  /**
   * A raw upgraded socket that sends a masked text frame with RSV1 set (permessage-deflate's "compressed" bit, a
   * protocol error when no extension was agreed): "upgraded, close <code> in <ms> ms" from the server's close frame.
   */
  private static String rawRsv1(Attacker attacker, int length, byte[] compressed) {
    Buffer received = Buffer.buffer();
    int[] headerEnd = {-1};
    boolean[] bombed = {false};
    long ms =
        attacker.closedAfter(
            nodeA.httpPort(),
            socket -> {
              socket.handler(
                  data -> {
                    received.appendBuffer(data);
                    if (headerEnd[0] < 0 && received.toString().contains("\r\n\r\n")) {
                      headerEnd[0] = received.toString().indexOf("\r\n\r\n") + 4;
                    }
                    // Once admitted (the welcome frame came), the bomb.
                    if (headerEnd[0] >= 0
                        && !bombed[0]
                        && received.toString().contains("\"welcome\"")) {
                      bombed[0] = true;
                      Buffer frame =
                          Buffer.buffer()
                              .appendByte((byte) 0xC1)
                              .appendByte((byte) (0x80 | 126))
                              .appendShort((short) length)
                              .appendBytes(new byte[] {1, 2, 3, 4});
                      for (int i = 0; i < length; i++) {
                        frame.appendByte((byte) (compressed[i] ^ (i % 4 + 1)));
                      }
                      socket.write(frame);
                    }
                  });
              socket.write(
                  "GET "
                      + WS
                      + "zip3 HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n"
                      + "Sec-WebSocket-Key: AAAAAAAAAAAAAAAAAAAAAA==\r\nSec-WebSocket-Version: 13\r\n"
                      + "Sec-WebSocket-Extensions: permessage-deflate\r\nAuthorization: Bearer "
                      + tokens.token("zipper3")
                      + "\r\n\r\n");
            },
            Duration.ofSeconds(15));
    String text = received.toString();
    if (!text.startsWith("HTTP/1.1 101") || headerEnd[0] < 0) {
      throw new AssertionError(
          "the upgrade itself was refused: " + text.lines().findFirst().orElse(""));
    }
    // Server frames are unmasked: walk them (a welcome may come first) to the close frame and its
    // 2-byte code.
    Buffer frames = received.getBuffer(headerEnd[0], received.length());
    int code = -1;
    int at = 0;
    while (at + 2 <= frames.length()) {
      int opcode = frames.getByte(at) & 0x0f;
      int size = frames.getByte(at + 1) & 0x7f;
      int header = 2;
      if (size == 126) {
        size = frames.getUnsignedShort(at + 2);
        header = 4;
      } else if (size == 127) {
        size = (int) frames.getLong(at + 2);
        header = 10;
      }
      if (opcode == 0x8 && size >= 2 && at + header + 2 <= frames.length()) {
        code = frames.getUnsignedShort(at + header);
        break;
      }
      at += header + size;
    }
    if (code != 1002) {
      StringBuilder hex = new StringBuilder();
      for (int i = 0; i < Math.min(frames.length(), 64); i++) {
        hex.append(String.format("%02x", frames.getByte(i)));
      }
      throw new AssertionError(
          "expected close 1002 after a compressed frame, got "
              + code
              + " after "
              + ms
              + " ms; frames "
              + hex);
    }
    return "close " + code + " in " + ms + " ms";
  }

  @Test
  @DisplayName("18 SSE POST to another user's connection")
  void postToAnotherUser() throws Exception {
    row(
        "POST /sse/<victim's id> with own token",
        "404 unknown-connection",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          Attacker.Socket victim =
              attacker.webSocket(nodeB.httpPort(), WS + "v", bearer(tokens.token("victim-user")));
          String connectionId =
              victim
                  .await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10))
                  .getString("connectionId");
          Attacker.Response post =
              attacker.request(
                  HttpMethod.POST,
                  nodeA.httpPort(),
                  "/sse/" + connectionId,
                  bearer(tokens.token("mallory")),
                  Buffer.buffer(new JsonObject().put("type", "close").encode()));
          victim.send(new JsonObject().put("type", "ping").put("id", "alive"));
          victim.await(f -> "alive".equals(f.getString("id")), Duration.ofSeconds(10));
          victim.ws.close();
          return check(
              post.status() == 404 && "unknown-connection".equals(post.json().getString("code")),
              post.status() + " " + post.json().getString("code") + ", victim open");
        });
  }

  @Test
  @DisplayName("19 flood of ticket requests")
  void ticketFlood() throws Exception {
    row(
        "40 POST /auth/ticket, forged X-Forwarded-For",
        "20 served, then 429 + Retry-After",
        AttackSuiteTest::none,
        40,
        () -> {
          Attacker attacker = attacker();
          String token = tokens.token("ticket-flood");
          Map<Integer, Integer> statuses = new java.util.TreeMap<>();
          String retryAfter = null;
          for (int i = 0; i < 40; i++) {
            Attacker.Response r =
                attacker.request(
                    HttpMethod.POST,
                    nodeA.httpPort(),
                    "/auth/ticket",
                    Map.of(
                        "Authorization", "Bearer " + token, "X-Forwarded-For", "198.51.100." + i),
                    null);
            statuses.merge(r.status(), 1, Integer::sum);
            if (r.status() == 429) {
              retryAfter = r.headers().get("Retry-After");
            }
          }
          return check(
              statuses.getOrDefault(429, 0) >= 10 && retryAfter != null,
              statuses + " Retry-After " + retryAfter);
        });
  }

  @Test
  @DisplayName("20 flood of connection attempts")
  void connectFlood() throws Exception {
    row(
        "40 GET /sse + 10 upgrades, no token",
        "401, then 429 (bare on /ws)",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          Map<Integer, Integer> statuses = new java.util.TreeMap<>();
          for (int i = 0; i < 40; i++) {
            statuses.merge(
                attacker
                    .request(
                        HttpMethod.GET,
                        nodeA.httpPort(),
                        "/sse?session=s&tab=t&page=" + i,
                        Map.of(),
                        null)
                    .status(),
                1,
                Integer::sum);
          }
          // Ten upgrades at once: the bucket the SSE attempts emptied refills at 5 per second, so
          // some may pass (401) however slowly the machine answered the 40, but not all of them.
          ExecutorService concurrent = Executors.newFixedThreadPool(10);
          List<String> upgrades;
          try {
            List<java.util.concurrent.Future<String>> answers =
                concurrent.invokeAll(
                    java.util.Collections.nCopies(
                        10, () -> attacker.handshake(nodeA.httpPort(), WS + "flood", "")));
            upgrades = new ArrayList<>();
            for (java.util.concurrent.Future<String> answer : answers) {
              upgrades.add(answer.get().replace("HTTP/1.1 ", ""));
            }
          } finally {
            concurrent.shutdownNow();
          }
          boolean upgradesRefused =
              upgrades.stream().anyMatch(s -> s.startsWith("429"))
                  && upgrades.stream().allMatch(s -> s.startsWith("429") || s.startsWith("401"));
          return check(
              statuses.getOrDefault(429, 0) >= 10 && upgradesRefused, statuses + " ws " + upgrades);
        });
  }

  @Test
  @DisplayName("21 flood of SSE POSTs")
  void postFlood() throws Exception {
    row(
        "80 POST /sse/x",
        "then 429 rate-limited",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker attacker = attacker();
          String token = tokens.token("post-flood");
          Map<Integer, Integer> statuses = new java.util.TreeMap<>();
          for (int i = 0; i < 80; i++) {
            statuses.merge(
                attacker
                    .request(
                        HttpMethod.POST,
                        nodeA.httpPort(),
                        "/sse/x",
                        bearer(token),
                        Buffer.buffer("{\"type\":\"ping\"}"))
                    .status(),
                1,
                Integer::sum);
          }
          return check(statuses.getOrDefault(429, 0) >= 20, statuses.toString());
        });
  }

  @Test
  @DisplayName("22 flood of frames on one WebSocket")
  void frameFlood() throws Exception {
    row(
        "2,000 frames at once on one socket",
        "rate-limited, close 4502",
        AttackSuiteTest::none,
        0,
        () -> {
          Attacker.Socket ws =
              attacker()
                  .webSocket(nodeA.httpPort(), WS + "ff", bearer(tokens.token("frame-flood")));
          ws.await(f -> "welcome".equals(f.getString("type")), Duration.ofSeconds(10));
          for (int i = 0; i < 2000 && !ws.isClosed(); i++) {
            ws.ws.writeTextMessage("{\"type\":\"ping\",\"id\":\"f" + i + "\"}");
          }
          int code = ws.closeCode(Duration.ofSeconds(20));
          boolean limited;
          synchronized (ws.frames) {
            limited = ws.frames.stream().anyMatch(f -> "rate-limited".equals(f.getString("code")));
          }
          return check(limited && code == 4502, "rate-limited, close " + code);
        });
  }
}
