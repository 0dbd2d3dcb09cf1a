package dev.mesh.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.ConnectionOptions;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.replay.ReplayOptions;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Checks docker-compose.yml, deploy/Dockerfile, deploy/nginx.conf and
 * deploy/prometheus/prometheus.yml against the services' real configuration: the options classes'
 * defaults, the environment variables the code reads, and the way the code parses them ({@code
 * *Options.fromEnv}). No Docker engine is needed.
 */
@DisplayName("The deployment files")
class DeploymentFilesTest {

  private static final String CONNECTION = "connection-service";
  private static final String PRESENCE = "presence-service";
  private static final String REPLAY = "replay-service";

  /** The ops port (/health, /ready, /metrics) each service listens on by default. */
  private static final Map<String, Integer> DEFAULT_OPS_PORTS =
      Map.of(
          CONNECTION, ConnectionOptions.DEFAULT_OPS_PORT,
          PRESENCE, PresenceOptions.DEFAULT_OPS_PORT,
          REPLAY, ReplayOptions.DEFAULT_OPS_PORT);

  private static final Pattern MESH_LITERAL = Pattern.compile("\"(MESH_[A-Z0-9_]+)\"");
  private static final Pattern MESH_NAME = Pattern.compile("\\bMESH_[A-Z0-9_]+");

  /** A variable reference in a resource such as logback.xml: {@code ${MESH_LOG_LEVEL:-INFO}}. */
  private static final Pattern MESH_RESOURCE_REFERENCE = Pattern.compile("\\$\\{(MESH_[A-Z0-9_]+)");

  private static final Pattern COMPOSE_VARIABLE =
      Pattern.compile(
          "\\$\\$|\\$\\{([A-Za-z_][A-Za-z0-9_]*)(?:(:?[-?])([^}]*))?}|\\$([A-Za-z_][A-Za-z0-9_]*)");

  /**
   * What an operator exports before {@code docker-compose up}, as the file's header says: the file
   * has no fallback for these, so without them compose refuses to start.
   */
  static final Map<String, String> OPERATOR_ENV =
      Map.of(
          "MESH_JWT_SECRET", "an-operator-chosen-secret-of-32-bytes-or-more",
          "MESH_PUBLISH_TOKEN", "an-operator-chosen-publish-token");

  /**
   * Where the services' {@code /certs} volume is in these tests: made by deploy/bus-certs.sh like
   * bus-certs does.
   */
  private static Path certDir;

  /** The directory the compose services mount the bus-certs volume at. */
  private static final String CERTS_MOUNT = "/certs";

  private static Path root;
  private static Path composeFile;
  private static JsonNode compose;
  private static String composeText;
  private static List<MeshService> meshServices;
  private static NginxBlock nginx;
  private static JsonNode prometheus;
  private static List<String> dockerfile;

  /** MESH_* names found as string literals in each module's main sources. */
  private static Map<String, Set<String>> variablesReadByModule;

  /** A compose service built from deploy/Dockerfile, i.e. a Mesh process. */
  private record MeshService(
      String name, String module, JsonNode node, Map<String, String> env, String ipv4) {

    ServiceOptions options() {
      Env parsed = Env.of(env);
      ServiceOptions options =
          switch (module) {
            case CONNECTION -> ConnectionOptions.fromEnv(parsed).service();
            case PRESENCE -> PresenceOptions.fromEnv(parsed).service();
            case REPLAY -> ReplayOptions.fromEnv(parsed).service();
            default -> throw new AssertionError(name + ": unknown module " + module);
          };
      parsed.validate();
      return options;
    }

    ConnectionOptions connectionOptions() {
      Env parsed = Env.of(env);
      ConnectionOptions options = ConnectionOptions.fromEnv(parsed);
      parsed.validate();
      return options;
    }

    int defaultOpsPort() {
      return DEFAULT_OPS_PORTS.get(module);
    }
  }

  @BeforeAll
  static void readFiles() throws IOException {
    String rootProperty =
        Objects.requireNonNull(
            System.getProperty("mesh.repo.root"),
            "system property mesh.repo.root (set by mesh-bench's pom for surefire) is missing");
    root = Path.of(rootProperty).toRealPath();
    composeFile = root.resolve("docker-compose.yml");
    composeText = Files.readString(composeFile);
    compose = new YAMLMapper().readTree(composeText);
    prometheus =
        new YAMLMapper().readTree(root.resolve("deploy/prometheus/prometheus.yml").toFile());
    nginx = NginxBlock.parse(Files.readString(root.resolve("deploy/nginx.conf")));
    dockerfile = dockerInstructions(Files.readString(root.resolve("deploy/Dockerfile")));
    variablesReadByModule = scanMainSources(root);

    certDir = makeBusCertificates();
    meshServices = new ArrayList<>();
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            entry -> {
              JsonNode service = entry.getValue();
              JsonNode module = service.path("build").path("args").path("SERVICE");
              // A service built from the Mesh image that runs something else (bus-certs) is not a
              // Mesh process.
              if (!module.isMissingNode() && !service.has("entrypoint")) {
                meshServices.add(
                    new MeshService(
                        entry.getKey(),
                        module.asText(),
                        service,
                        environment(service),
                        staticAddress(service)));
              }
            });
  }

  // ---------------------------------------------------------------- docker-compose.yml: shape

  @Test
  @DisplayName(
      "compose declares nginx, two connection nodes, presence, replay, prometheus and grafana, in a format docker-compose 1.29 accepts")
  void composeHasTheExpectedServices() {
    assertThat(compose.path("version").asText()).as("compose format version").isEqualTo("3.8");
    assertThat(compose.has("name"))
        .as("top-level `name:` (docker-compose 1.29 rejects it)")
        .isFalse();
    assertThat(fieldNames(compose.path("services")))
        .containsExactlyInAnyOrder(
            "nginx",
            "connection-1",
            "connection-2",
            "presence",
            "replay",
            "bus-certs",
            "prometheus",
            "grafana");
    assertThat(meshServices)
        .extracting(MeshService::name)
        .containsExactlyInAnyOrder("connection-1", "connection-2", "presence", "replay");
    assertThat(meshServices.stream().filter(s -> s.module().equals(CONNECTION)).count())
        .as("connection-service nodes behind the load balancer")
        .isGreaterThanOrEqualTo(2);
    assertThat(meshServices).extracting(MeshService::module).contains(PRESENCE, REPLAY);
  }

  @Test
  @DisplayName(
      "every Mesh service is built from the one deploy/Dockerfile with SERVICE naming a module that builds <module>.jar")
  void meshServicesAreBuiltFromTheParameterisedDockerfile() throws IOException {
    for (MeshService service : meshServices) {
      JsonNode build = service.node().path("build");
      Path dockerfilePath =
          composeFile
              .getParent()
              .resolve(build.path("context").asText("."))
              .resolve(build.path("dockerfile").asText("Dockerfile"))
              .normalize();
      assertThat(dockerfilePath)
          .as(service.name() + " build.dockerfile")
          .isEqualTo(root.resolve("deploy/Dockerfile"));
      assertThat(DEFAULT_OPS_PORTS)
          .as(service.name() + " build arg SERVICE")
          .containsKey(service.module());
      String pom = Files.readString(root.resolve(service.module()).resolve("pom.xml"));
      assertThat(pom)
          .as(
              service.module()
                  + "/pom.xml finalName (the Dockerfile copies <module>/target/<module>.jar)")
          .containsAnyOf(
              "<finalName>" + service.module() + "</finalName>",
              "<finalName>${project.artifactId}</finalName>");
    }
  }

  // ---------------------------------------------------------------- docker-compose.yml:
  // environment

  @Test
  @DisplayName(
      "every MESH_* variable named in docker-compose.yml is one that the services' code reads")
  void everyMeshVariableInComposeIsReadByTheCode() {
    // mesh-bench is left out: it writes these names into the processes it launches, it does not
    // read them.
    Set<String> read =
        variablesReadByModule.entrySet().stream()
            .filter(e -> !e.getKey().equals("mesh-bench"))
            .flatMap(e -> e.getValue().stream())
            .collect(Collectors.toCollection(TreeSet::new));
    assertThat(read)
        .as("MESH_* literals found in the main sources (is the scan still finding them?)")
        .contains("MESH_CLUSTER_MEMBERS", "MESH_OPS_PORT", "MESH_HTTP_PORT");

    Set<String> named = new TreeSet<>();
    Matcher matcher = MESH_NAME.matcher(composeText);
    while (matcher.find()) {
      named.add(matcher.group());
    }
    assertThat(named).as("MESH_* names in docker-compose.yml").isNotEmpty();
    assertThat(read).as("variables the code reads").containsAll(named);
  }

  @Test
  @DisplayName(
      "compose refuses to start without MESH_JWT_SECRET and MESH_PUBLISH_TOKEN (no fallback secret), and keeps demo tokens off unless MESH_DEMO_TOKENS=true is exported")
  void composeRequiresSecretsAndKeepsDemoTokensOff() {
    Set<String> required = new TreeSet<>();
    Matcher matcher =
        COMPOSE_VARIABLE.matcher(
            composeText
                .lines()
                .filter(l -> !l.trim().startsWith("#"))
                .collect(Collectors.joining("\n")));
    while (matcher.find()) {
      if (matcher.group(2) != null && matcher.group(2).endsWith("?")) {
        required.add(matcher.group(1));
      }
    }
    assertThat(required)
        .as("variables compose refuses to start without")
        .isEqualTo(OPERATOR_ENV.keySet());
    for (String missing : OPERATOR_ENV.keySet()) {
      Map<String, String> host = new java.util.HashMap<>(OPERATOR_ENV);
      host.remove(missing);
      List<String> refused = new ArrayList<>();
      compose
          .path("services")
          .fields()
          .forEachRemaining(
              entry -> {
                try {
                  environment(entry.getValue(), host);
                } catch (RequiredVariableMissing e) {
                  assertThat(e.variable).isEqualTo(missing);
                  refused.add(entry.getKey());
                }
              });
      assertThat(refused).as("services that cannot start without " + missing).isNotEmpty();
    }
    for (MeshService node :
        meshServices.stream().filter(s -> s.module().equals(CONNECTION)).toList()) {
      JsonNode secret = node.node().path("environment").path("MESH_JWT_SECRET");
      assertThat(secret.asText())
          .as(node.name() + " MESH_JWT_SECRET has no fallback value")
          .startsWith("${MESH_JWT_SECRET:?");
      assertThat(node.connectionOptions().auth().secret())
          .isEqualTo(OPERATOR_ENV.get("MESH_JWT_SECRET"));
      assertThat(node.connectionOptions().auth().demoTokens())
          .as(node.name() + " demo tokens by default")
          .isFalse();
      Map<String, String> withDemo = new java.util.HashMap<>(OPERATOR_ENV);
      withDemo.put("MESH_DEMO_TOKENS", "true");
      Env demoEnv = Env.of(environment(node.node(), withDemo));
      assertThat(ConnectionOptions.fromEnv(demoEnv).auth().demoTokens())
          .as(node.name() + " demo tokens when asked")
          .isTrue();
    }
    MeshService replay =
        meshServices.stream().filter(s -> s.module().equals(REPLAY)).findFirst().orElseThrow();
    Env replayEnv = Env.of(replay.env());
    ReplayOptions replayOptions = ReplayOptions.fromEnv(replayEnv);
    replayEnv.validate();
    assertThat(
            dev.mesh.common.config.Hosts.isLoopback(replayOptions.httpHost())
                || replayOptions.httpToken() != null)
        .as("replay's HTTP API is on loopback or requires a token")
        .isTrue();
    assertThat(replayOptions.httpToken()).isEqualTo(OPERATOR_ENV.get("MESH_PUBLISH_TOKEN"));
  }

  @Test
  @DisplayName(
      "the cluster boundary: Hazelcast and the event bus on an internal network of Mesh services only, the event bus on mutual TLS with certificates bus-certs makes")
  void clusterPortsAreIsolatedAndTheBusIsTls() throws IOException {
    // Only Mesh services join the cluster network, and it has no route in or out.
    Set<String> meshNetworks =
        meshServices.stream().map(DeploymentFilesTest::meshNetworkOf).collect(Collectors.toSet());
    assertThat(meshNetworks).as("one cluster network").hasSize(1);
    String clusterNetwork = meshNetworks.iterator().next();
    assertThat(compose.path("networks").path(clusterNetwork).path("internal").asBoolean())
        .as("network " + clusterNetwork + " is internal")
        .isTrue();
    Set<String> meshNames =
        meshServices.stream().map(MeshService::name).collect(Collectors.toSet());
    compose
        .path("services")
        .fields()
        .forEachRemaining(
            entry -> {
              JsonNode networks = entry.getValue().path("networks");
              boolean joins =
                  networks.isArray()
                      ? texts(networks).contains(clusterNetwork)
                      : networks.has(clusterNetwork);
              if (!meshNames.contains(entry.getKey())) {
                assertThat(joins)
                    .as(entry.getKey() + " joins the cluster network " + clusterNetwork)
                    .isFalse();
              }
            });

    JsonNode busCerts = compose.path("services").path("bus-certs");
    List<String> argv = texts(busCerts.path("entrypoint"));
    assertThat(argv)
        .as("bus-certs runs the script the image carries")
        .startsWith("sh", "/app/bus-certs.sh");
    assertThat(argv.subList(argv.indexOf(CERTS_MOUNT) + 1, argv.size()))
        .as("bus-certs makes one certificate per Mesh service")
        .containsExactlyInAnyOrderElementsOf(meshNames);
    String runtimeUser =
        finalStage().stream()
            .filter(i -> i.matches("(?i)USER\\s+.*"))
            .reduce((a, b) -> b)
            .orElseThrow()
            .substring(4)
            .trim();
    assertThat(argv)
        .as("bus-certs hands the keys to the services' user")
        .containsSubsequence("--owner", runtimeUser);
    assertThat(busCerts.path("network_mode").asText())
        .as("bus-certs needs no network")
        .isEqualTo("none");
    assertThat(texts(busCerts.path("volumes"))).contains("bus-certs:" + CERTS_MOUNT);
    assertThat(String.join("\n", finalStage()))
        .as("the image carries the script and openssl")
        .contains("COPY deploy/bus-certs.sh /app/bus-certs.sh")
        .containsPattern("apt-get install[^\\n]*\\bopenssl\\b");
    assertThat(Files.isExecutable(root.resolve("deploy/bus-certs.sh")))
        .as("deploy/bus-certs.sh is executable")
        .isTrue();

    for (MeshService service : meshServices) {
      dev.mesh.common.cluster.BusTlsOptions tls = service.options().busTls();
      assertThat(tls.enabled()).as(service.name() + " event-bus TLS").isTrue();
      assertThat(service.env().get("MESH_BUS_TLS_KEY")).endsWith("/" + service.name() + ".key");
      assertThat(service.env().get("MESH_BUS_TLS_CERT")).endsWith("/" + service.name() + ".pem");
      assertThat(service.env().get("MESH_BUS_TLS_CA")).endsWith("/ca.pem");
      assertThat(texts(service.node().path("volumes")))
          .as(service.name() + " mounts the certificates read-only")
          .contains("bus-certs:" + CERTS_MOUNT + ":ro");
      assertThat(service.node().path("depends_on").path("bus-certs").path("condition").asText())
          .as(service.name() + " waits for bus-certs")
          .isEqualTo("service_completed_successfully");
      // The files the service is pointed at exist once bus-certs ran (made above by the same script
      // and names).
      for (String file : List.of(tls.keyPath(), tls.certPath(), tls.caPath())) {
        assertThat(Path.of(file)).as(service.name() + " " + file).isRegularFile();
      }
    }
  }

  @Test
  @DisplayName(
      "each Mesh service sets only variables read by common or by its own module, with values its options class accepts")
  void eachServiceSetsOnlyItsOwnValidVariables() {
    for (MeshService service : meshServices) {
      Set<String> readByService =
          new TreeSet<>(variablesReadByModule.getOrDefault("common", Set.of()));
      readByService.addAll(variablesReadByModule.getOrDefault(service.module(), Set.of()));
      Set<String> set =
          service.env().keySet().stream()
              .filter(name -> name.startsWith("MESH_"))
              .collect(Collectors.toCollection(TreeSet::new));
      assertThat(readByService)
          .as(service.name() + " (" + service.module() + ") reads the MESH_* variables it is given")
          .containsAll(set);
      // Env.validate() inside options() throws, naming every rejected value.
      assertThat(service.options())
          .as(service.name() + " options parsed from its compose environment")
          .isNotNull();
    }
  }

  @Test
  @DisplayName(
      "each Mesh service binds Hazelcast and the event bus to its own static address and lists every Mesh address as a member")
  void clusterAddressesAreStaticAndComplete() {
    Set<String> allAddresses =
        meshServices.stream().map(MeshService::ipv4).collect(Collectors.toSet());
    assertThat(allAddresses)
        .as("one distinct ipv4_address per Mesh service")
        .hasSize(meshServices.size());

    for (MeshService service : meshServices) {
      ClusterOptions cluster = service.options().cluster();
      // Each set explicitly rather than left to default to another, so the file shows what every
      // node announces.
      for (String variable :
          List.of("MESH_CLUSTER_HOST", "MESH_BUS_HOST", "MESH_BUS_PUBLIC_HOST")) {
        assertThat(service.env().get(variable))
            .as(service.name() + " " + variable)
            .isEqualTo(service.ipv4());
      }
      assertThat(cluster.host())
          .as(service.name() + " Hazelcast interface")
          .isEqualTo(service.ipv4());
      assertThat(cluster.busHost())
          .as(service.name() + " event-bus interface")
          .isEqualTo(service.ipv4());
      assertThat(cluster.busPublicHost())
          .as(service.name() + " event-bus public host")
          .isEqualTo(service.ipv4());
      assertThat(cluster.port())
          .as(service.name() + " Hazelcast port")
          .isEqualTo(ClusterOptions.DEFAULT_PORT);

      List<String> hosts = new ArrayList<>();
      for (String member : cluster.members()) {
        int colon = member.indexOf(':');
        if (colon >= 0) {
          assertThat(Integer.parseInt(member.substring(colon + 1)))
              .as(service.name() + " member " + member + " port")
              .isEqualTo(ClusterOptions.DEFAULT_PORT);
          hosts.add(member.substring(0, colon));
        } else {
          hosts.add(member);
        }
      }
      assertThat(hosts)
          .as(service.name() + " MESH_CLUSTER_MEMBERS")
          .containsExactlyInAnyOrderElementsOf(allAddresses);
    }
  }

  @Test
  @DisplayName(
      "the static addresses lie in the network's subnet, outside the range handed out to nginx and prometheus")
  void staticAddressesFitTheNetwork() {
    for (MeshService service : meshServices) {
      String network = meshNetworkOf(service);
      JsonNode ipam = compose.path("networks").path(network).path("ipam").path("config");
      assertThat(ipam.isArray() && ipam.size() > 0)
          .as("network " + network + " declares an ipam subnet")
          .isTrue();
      JsonNode pool = ipam.get(0);
      assertThat(inCidr(service.ipv4(), pool.path("subnet").asText()))
          .as(service.name() + " " + service.ipv4() + " in " + pool.path("subnet").asText())
          .isTrue();
      if (pool.has("ip_range")) {
        assertThat(inCidr(service.ipv4(), pool.path("ip_range").asText()))
            .as(
                service.name()
                    + " "
                    + service.ipv4()
                    + " outside the dynamic ip_range "
                    + pool.path("ip_range").asText())
            .isFalse();
      }
    }
  }

  @Test
  @DisplayName(
      "connection nodes listen on the default HTTP port on all interfaces, share one JWT key, accept nginx's origin, and are exactly nginx's upstream")
  void connectionNodesServeTheDefaultHttpPortBehindNginx() {
    List<MeshService> nodes =
        meshServices.stream().filter(s -> s.module().equals(CONNECTION)).toList();
    Set<String> expectedUpstream = new TreeSet<>();
    for (MeshService node : nodes) {
      ConnectionOptions options = node.connectionOptions();
      assertThat(options.httpPort())
          .as(node.name() + " HTTP port")
          .isEqualTo(ConnectionOptions.DEFAULT_HTTP_PORT);
      assertThat(options.httpHost()).as(node.name() + " MESH_HTTP_HOST").isEqualTo("0.0.0.0");
      assertThat(texts(node.node().path("expose")))
          .as(node.name() + " expose")
          .contains(String.valueOf(ConnectionOptions.DEFAULT_HTTP_PORT));
      expectedUpstream.add(node.name() + ":" + ConnectionOptions.DEFAULT_HTTP_PORT);
    }

    assertThat(nodes)
        .extracting(node -> jwtSettings(node.env()))
        .as("MESH_JWT_* of every connection node")
        .containsOnly(jwtSettings(nodes.get(0).env()));

    // A browser's Origin is the address it reached nginx at. With no list, a node accepts the
    // origin matching the
    // Host header (which nginx passes on, port included: see the /ws test); with a list, that
    // address must be on it.
    for (String published : texts(compose.path("services").path("nginx").path("ports"))) {
      String[] parts = published.split(":", -1);
      assertThat(parts.length)
          .as("nginx ports entry " + published + " names a host port")
          .isGreaterThanOrEqualTo(2);
      String origin = "http://localhost:" + parts[parts.length - 2];
      for (MeshService node : nodes) {
        List<String> allowed = node.connectionOptions().auth().allowedOrigins();
        assertThat(allowed.isEmpty() || allowed.contains(origin) || allowed.contains("*"))
            .as(node.name() + " allowed origins " + allowed + " admit " + origin)
            .isTrue();
      }
    }

    NginxBlock upstream = upstreamOf(nginxLocation("/ws"));
    assertThat(upstream.directives("least_conn"))
        .as("upstream balances on least_conn")
        .isNotEmpty();
    List<NginxBlock> servers = upstream.directives("server");
    assertThat(servers)
        .extracting(s -> s.args().get(0))
        .as("nginx upstream servers")
        .containsExactlyInAnyOrderElementsOf(expectedUpstream);
    for (NginxBlock server : servers) {
      assertThat(server.args())
          .as("passive health on upstream server " + server.args().get(0))
          .anyMatch(arg -> arg.startsWith("max_fails="))
          .anyMatch(arg -> arg.startsWith("fail_timeout="));
    }
  }

  @Test
  @DisplayName(
      "each Mesh service's healthcheck asks /ready on its default ops port, served on all interfaces, with a tool the image has")
  void healthchecksUseTheDefaultOpsPort() {
    Pattern readyUrl = Pattern.compile("https?://[^/\\s:]+:(\\d+)/ready\\b");
    for (MeshService service : meshServices) {
      ServiceOptions options = service.options();
      assertThat(options.ops().port())
          .as(service.name() + " ops port")
          .isEqualTo(service.defaultOpsPort());
      assertThat(options.ops().host()).as(service.name() + " MESH_OPS_HOST").isEqualTo("0.0.0.0");

      JsonNode test = service.node().path("healthcheck").path("test");
      List<String> command = test.isArray() ? texts(test) : List.of("CMD-SHELL", test.asText());
      assertThat(command).as(service.name() + " healthcheck.test").isNotEmpty();
      Matcher url = readyUrl.matcher(String.join(" ", command));
      assertThat(url.find())
          .as(service.name() + " healthcheck " + command + " requests /ready")
          .isTrue();
      assertThat(Integer.parseInt(url.group(1)))
          .as(service.name() + " healthcheck port")
          .isEqualTo(service.defaultOpsPort());
      if (command.get(0).equals("CMD")) {
        assertThat(String.join("\n", finalStage()))
            .as("the runtime image provides " + command.get(1))
            .containsPattern("\\b" + Pattern.quote(command.get(1)) + "\\b");
      }
    }
  }

  @Test
  @DisplayName("each Mesh service's stop_grace_period outlasts its graceful shutdown timeout")
  void stopGracePeriodOutlastsTheShutdown() {
    for (MeshService service : meshServices) {
      Duration shutdown = service.options().shutdownTimeout();
      assertThat(service.node().has("stop_grace_period"))
          .as(service.name() + " stop_grace_period (Docker's default is 10s)")
          .isTrue();
      Duration grace = composeDuration(service.node().path("stop_grace_period").asText());
      assertThat(grace)
          .as(service.name() + " stop_grace_period vs shutdown timeout " + shutdown)
          .isGreaterThan(shutdown);
    }
  }

  @Test
  @DisplayName(
      "only nginx, prometheus and grafana publish ports: the Mesh services' ops endpoints stay inside the network")
  void meshServicesPublishNoPorts() {
    for (MeshService service : meshServices) {
      assertThat(service.node().has("ports")).as(service.name() + " publishes ports").isFalse();
    }
    List<String> published = texts(compose.path("services").path("nginx").path("ports"));
    List<String> containerPorts =
        published.stream().map(p -> p.substring(p.lastIndexOf(':') + 1)).toList();
    NginxBlock server = nginx.block("http").block("server");
    assertThat(server.directives("listen"))
        .extracting(l -> l.args().get(0))
        .as("nginx listen")
        .allSatisfy(
            listen ->
                assertThat(containerPorts).as("nginx published container ports").contains(listen));
    assertThat(texts(compose.path("services").path("nginx").path("volumes")))
        .contains("./deploy/nginx.conf:/etc/nginx/nginx.conf:ro");
  }

  // ----------------------------------------------------------------
  // deploy/prometheus/prometheus.yml

  @Test
  @DisplayName(
      "prometheus is mounted with deploy/prometheus/prometheus.yml and scrapes /metrics on every Mesh service's default ops port")
  void prometheusScrapesEveryOpsPort() {
    assertThat(texts(compose.path("services").path("prometheus").path("volumes")))
        .contains("./deploy/prometheus/prometheus.yml:/etc/prometheus/prometheus.yml:ro");

    Map<String, String> metricsPathByTarget = new TreeMap<>();
    for (JsonNode job : prometheus.path("scrape_configs")) {
      String metricsPath = job.path("metrics_path").asText("/metrics");
      for (JsonNode staticConfig : job.path("static_configs")) {
        for (String target : texts(staticConfig.path("targets"))) {
          metricsPathByTarget.put(target, metricsPath);
        }
      }
    }
    for (MeshService service : meshServices) {
      String expected = service.name() + ":" + service.defaultOpsPort();
      String byAddress = service.ipv4() + ":" + service.defaultOpsPort();
      assertThat(metricsPathByTarget)
          .as("prometheus targets")
          .containsAnyOf(Map.entry(expected, "/metrics"), Map.entry(byAddress, "/metrics"));
      // No stale target for this host on another port (a renamed or moved ops port).
      metricsPathByTarget.keySet().stream()
          .filter(t -> t.startsWith(service.name() + ":") || t.startsWith(service.ipv4() + ":"))
          .forEach(
              t ->
                  assertThat(t)
                      .as("prometheus target for " + service.name())
                      .isIn(expected, byAddress));
    }
  }

  // ---------------------------------------------------------------- deploy/nginx.conf

  @Test
  @DisplayName(
      "nginx keeps /ws and /sse open longer than the server's heartbeat interval + timeout")
  void nginxTimeoutsExceedTheHeartbeat() {
    Duration heartbeat =
        ConnectionOptions.DEFAULT_HEARTBEAT_INTERVAL.plus(
            ConnectionOptions.DEFAULT_HEARTBEAT_TIMEOUT);
    for (MeshService node :
        meshServices.stream().filter(s -> s.module().equals(CONNECTION)).toList()) {
      ConnectionOptions options = node.connectionOptions();
      Duration configured = options.heartbeatInterval().plus(options.heartbeatTimeout());
      heartbeat = configured.compareTo(heartbeat) > 0 ? configured : heartbeat;
    }
    for (String path : List.of("/ws", "/sse")) {
      List<NginxBlock> location = nginxLocation(path);
      for (String directive : List.of("proxy_read_timeout", "proxy_send_timeout")) {
        List<NginxBlock> set = effective(location, directive);
        assertThat(set)
            .as(path + " " + directive + " set explicitly (nginx's default is 60s)")
            .hasSize(1);
        assertThat(nginxDuration(set.get(0).args().get(0)))
            .as(path + " " + directive)
            .isGreaterThan(heartbeat);
      }
    }
  }

  @Test
  @DisplayName(
      "nginx upgrades /ws to a WebSocket over HTTP/1.1 and forwards the client's address, Origin and Host with its port")
  void nginxUpgradesWebSockets() {
    List<NginxBlock> maps = nginx.block("http").directives("map");
    NginxBlock upgradeMap =
        maps.stream()
            .filter(m -> m.args().equals(List.of("$http_upgrade", "$connection_upgrade")))
            .findFirst()
            .orElseThrow(
                () ->
                    new AssertionError("nginx.conf lacks `map $http_upgrade $connection_upgrade`"));
    assertThat(upgradeMap.directives("default"))
        .extracting(d -> d.args().get(0))
        .containsExactly("upgrade");

    List<NginxBlock> ws = nginxLocation("/ws");
    assertThat(single(ws, "proxy_http_version")).isEqualTo(List.of("1.1"));
    assertThat(headers(ws))
        .as("/ws proxy_set_header")
        .containsEntry("upgrade", "$http_upgrade")
        .containsEntry("connection", "$connection_upgrade")
        .containsEntry("x-forwarded-for", "$proxy_add_x_forwarded_for")
        .containsEntry("origin", "$http_origin")
        .containsEntry("host", "$http_host");
  }

  @Test
  @DisplayName(
      "nginx streams /sse unbuffered and uncached, to the same upstream, with the client's address, Origin and Host")
  void nginxStreamsServerSentEvents() {
    List<NginxBlock> sse = nginxLocation("/sse");
    assertThat(single(sse, "proxy_buffering")).as("/sse proxy_buffering").isEqualTo(List.of("off"));
    assertThat(single(sse, "proxy_cache")).as("/sse proxy_cache").isEqualTo(List.of("off"));
    assertThat(single(sse, "proxy_http_version"))
        .as("/sse proxy_http_version")
        .isEqualTo(List.of("1.1"));
    assertThat(upstreamOf(sse)).as("/sse upstream").isSameAs(upstreamOf(nginxLocation("/ws")));
    assertThat(headers(sse))
        .as("/sse proxy_set_header")
        .containsEntry("x-forwarded-for", "$proxy_add_x_forwarded_for")
        .containsEntry("origin", "$http_origin")
        .containsEntry("host", "$http_host");
  }

  @Test
  @DisplayName("nginx refuses /metrics, /health and /ready instead of proxying them")
  void nginxDoesNotProxyOpsEndpoints() {
    for (String path : List.of("/metrics", "/health", "/ready")) {
      List<NginxBlock> chain = nginxLocation(path);
      NginxBlock location = chain.get(0);
      assertThat(location.name())
          .as(path + " is matched by a location of its own")
          .isEqualTo("location");
      assertThat(location.directives("proxy_pass")).as(path + " proxy_pass").isEmpty();
      boolean denied =
          location.directives("deny").stream().anyMatch(d -> d.args().equals(List.of("all")))
              || location.directives("return").stream()
                  .anyMatch(d -> d.args().get(0).matches("4\\d\\d"));
      assertThat(denied).as(path + " answered with `deny all` or `return 4xx`").isTrue();
    }
  }

  // ---------------------------------------------------------------- deploy/Dockerfile

  @Test
  @DisplayName(
      "the Dockerfile builds the jars with Maven, then runs ${SERVICE}.jar on a JRE 17 as a non-root user, in exec form")
  void dockerfileRunsTheSelectedJarInExecForm() throws IOException {
    assertThat(dockerfile)
        .as("build stage")
        .anyMatch(
            i -> i.matches("(?i)RUN\\s+mvn\\s.*\\bpackage\\b.*") && i.contains("-DskipTests"));
    List<String> stage = finalStage();
    assertThat(stage.get(0))
        .as("runtime base image")
        .matches("(?i)FROM\\s+eclipse-temurin:17-jre\\b.*");
    assertThat(stage)
        .as("runtime stage declares the build arg")
        .anyMatch(i -> i.matches("(?i)ARG\\s+SERVICE\\b.*"));
    assertThat(stage)
        .as("runtime stage copies the selected fat jar")
        .anyMatch(
            i ->
                i.matches("(?i)COPY\\s.*--from=.*")
                    && i.contains("${SERVICE}/target/${SERVICE}.jar")
                    && i.endsWith("/app/service.jar"));
    List<String> users = stage.stream().filter(i -> i.matches("(?i)USER\\s+.*")).toList();
    assertThat(users).as("runtime stage USER").isNotEmpty();
    assertThat(users.get(users.size() - 1).substring(4).trim().split(":", -1)[0])
        .as("runtime user")
        .isNotIn("root", "0");
    assertThat(stage).as("stop signal").anyMatch(i -> i.matches("(?i)STOPSIGNAL\\s+SIGTERM"));

    List<String> launch =
        stage.stream().filter(i -> i.matches("(?i)(ENTRYPOINT|CMD)\\s+.*")).toList();
    assertThat(launch).as("ENTRYPOINT/CMD").isNotEmpty();
    String last = launch.get(launch.size() - 1);
    String form = last.substring(last.indexOf(' ') + 1).trim();
    assertThat(form)
        .as("exec form (a JSON array), so SIGTERM reaches the JVM rather than a shell")
        .startsWith("[");
    List<String> argv = texts(new ObjectMapper().readTree(form));
    assertThat(argv.get(0)).isEqualTo("java");
    assertThat(argv).containsSubsequence("-jar", "/app/service.jar");
  }

  @Test
  @DisplayName(
      "the Dockerfile's build stage copies every reactor module's pom, and the sources of every module the images need")
  void dockerfileCopiesEveryModule() throws IOException {
    if (Files.isDirectory(root.resolve(".mvn"))) {
      assertThat(dockerfile)
          .as("Maven's .mvn (jvm.config: ErrorProne needs it to compile)")
          .contains("COPY .mvn .mvn");
    }
    List<String> modules = reactorModules(root, "");
    assertThat(modules)
        .as("reactor modules (nested ones included)")
        .contains("common/api", "connection-service");
    for (String module : modules) {
      assertThat(dockerfile)
          .as("the reactor needs " + module + "/pom.xml")
          .contains("COPY " + module + "/pom.xml " + module + "/");
      if (!module.startsWith("mesh-bench")
          && Files.isDirectory(root.resolve(module).resolve("src"))) {
        assertThat(dockerfile)
            .as(module + "'s sources")
            .contains("COPY " + module + "/src " + module + "/src");
      }
    }
  }

  // ---------------------------------------------------------------- docker-compose itself

  @Test
  @DisplayName(
      "docker-compose 1.29 accepts docker-compose.yml (`config -q`), when docker-compose is installed")
  void dockerComposeAcceptsTheFile() throws IOException, InterruptedException {
    Optional<Path> binary = onPath("docker-compose");
    assumeTrue(
        binary.isPresent(),
        "docker-compose is not on PATH; install it (apt-get install -y docker-compose) to validate the compose file");
    ProcessBuilder builder =
        new ProcessBuilder(binary.get().toString(), "-f", composeFile.toString(), "config", "-q")
            .directory(root.toFile())
            .redirectErrorStream(true);
    OPERATOR_ENV.keySet().forEach(builder.environment()::remove);
    builder.environment().remove("MESH_DEMO_TOKENS");
    Process refused = builder.start();
    assertThat(refused.waitFor(60, TimeUnit.SECONDS))
        .as("docker-compose config without the secrets finished")
        .isTrue();
    String refusal = new String(refused.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(refused.exitValue())
        .as("docker-compose config without MESH_JWT_SECRET; output:\n" + refusal)
        .isNotZero();
    assertThat(refusal).contains("MESH_JWT_SECRET");
    builder.environment().putAll(OPERATOR_ENV);
    Process process = builder.start();
    boolean exited = process.waitFor(60, TimeUnit.SECONDS);
    if (!exited) {
      process.destroyForcibly();
      fail("docker-compose config -q did not finish within 60s");
    }
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.exitValue())
        .as("docker-compose config -q exit status; output:\n" + output)
        .isZero();
  }

  // ================================================================= helpers: compose

  /**
   * A service's environment as the container would see it, with only {@link #OPERATOR_ENV} exported
   * on the host.
   */
  private static Map<String, String> environment(JsonNode service) {
    return environment(service, OPERATOR_ENV);
  }

  private static Map<String, String> environment(JsonNode service, Map<String, String> host) {
    Map<String, String> env = rawEnvironment(service, host);
    // The certificates bus-certs makes in the volume are in certDir here.
    env.replaceAll(
        (name, value) ->
            name.startsWith("MESH_BUS_TLS_")
                    && certDir != null
                    && value.startsWith(CERTS_MOUNT + "/")
                ? certDir.resolve(value.substring(CERTS_MOUNT.length() + 1)).toString()
                : value);
    return env;
  }

  private static Map<String, String> rawEnvironment(JsonNode service, Map<String, String> host) {
    Map<String, String> env = new LinkedHashMap<>();
    JsonNode node = service.path("environment");
    if (node.isObject()) {
      node.fields()
          .forEachRemaining(
              e ->
                  env.put(
                      e.getKey(),
                      e.getValue().isNull() ? "" : interpolate(e.getValue().asText(), host)));
    } else if (node.isArray()) {
      for (String item : texts(node)) {
        int eq = item.indexOf('=');
        env.put(
            eq < 0 ? item : item.substring(0, eq),
            eq < 0 ? "" : interpolate(item.substring(eq + 1), host));
      }
    }
    return env;
  }

  /**
   * Thrown where compose itself would refuse to start: a {@code ${VAR:?message}} with VAR not
   * exported.
   */
  static final class RequiredVariableMissing extends RuntimeException {
    final String variable;

    RequiredVariableMissing(String variable, String message) {
      super("docker-compose.yml requires " + variable + " to be set: " + message);
      this.variable = variable;
    }
  }

  /**
   * Compose interpolation with {@code host} as the exported variables: {@code ${VAR:-default}} and
   * {@code ${VAR-default}} give VAR when exported, else the default; {@code ${VAR}} and {@code
   * $VAR} VAR or nothing; {@code $$} a dollar; {@code ${VAR:?message}} VAR, or fails as compose
   * does when VAR is not exported.
   */
  private static String interpolate(String value, Map<String, String> host) {
    Matcher matcher = COMPOSE_VARIABLE.matcher(value);
    StringBuilder result = new StringBuilder();
    while (matcher.find()) {
      String replacement;
      String name = matcher.group(1) != null ? matcher.group(1) : matcher.group(4);
      String exported = name == null ? null : host.get(name);
      if (matcher.group().equals("$$")) {
        replacement = "$";
      } else if (matcher.group(2) != null && matcher.group(2).endsWith("?")) {
        if (exported == null || exported.isEmpty()) {
          throw new RequiredVariableMissing(name, matcher.group(3));
        }
        replacement = exported;
      } else if (matcher.group(2) != null) {
        replacement =
            exported != null && !(matcher.group(2).startsWith(":") && exported.isEmpty())
                ? exported
                : matcher.group(3);
      } else {
        replacement = exported == null ? "" : exported;
      }
      matcher.appendReplacement(result, Matcher.quoteReplacement(replacement));
    }
    matcher.appendTail(result);
    return result.toString();
  }

  /**
   * Runs deploy/bus-certs.sh as the compose bus-certs service does (same node names), into a
   * temporary directory.
   */
  private static Path makeBusCertificates() throws IOException {
    JsonNode busCerts = compose.path("services").path("bus-certs");
    if (busCerts.isMissingNode()) {
      return null;
    }
    List<String> argv = texts(busCerts.path("entrypoint"));
    int dirIndex = argv.indexOf(CERTS_MOUNT);
    if (dirIndex < 0) {
      return null;
    }
    Path dir = Files.createTempDirectory("mesh-bus-certs");
    List<String> command =
        new ArrayList<>(
            List.of("sh", root.resolve("deploy/bus-certs.sh").toString(), dir.toString()));
    command.addAll(argv.subList(dirIndex + 1, argv.size()));
    try {
      Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
      String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
        throw new AssertionError("deploy/bus-certs.sh failed (openssl is needed):\n" + output);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted while making bus certificates");
    }
    return dir;
  }

  private static Map<String, String> jwtSettings(Map<String, String> env) {
    return env.entrySet().stream()
        .filter(e -> e.getKey().startsWith("MESH_JWT_"))
        .collect(
            Collectors.toMap(Map.Entry::getKey, Map.Entry::getValue, (a, b) -> b, TreeMap::new));
  }

  private static String staticAddress(JsonNode service) {
    Iterator<Map.Entry<String, JsonNode>> networks = service.path("networks").fields();
    while (networks.hasNext()) {
      JsonNode address = networks.next().getValue().path("ipv4_address");
      if (address.isTextual()) {
        return address.asText();
      }
    }
    return null;
  }

  private static String meshNetworkOf(MeshService service) {
    Iterator<Map.Entry<String, JsonNode>> networks = service.node().path("networks").fields();
    while (networks.hasNext()) {
      Map.Entry<String, JsonNode> network = networks.next();
      if (network.getValue().path("ipv4_address").isTextual()) {
        return network.getKey();
      }
    }
    throw new AssertionError(service.name() + " has no networks.<name>.ipv4_address");
  }

  private static boolean inCidr(String address, String cidr) {
    assertThat(address).as("an IPv4 address").isNotNull().matches("\\d+\\.\\d+\\.\\d+\\.\\d+");
    String[] parts = cidr.split("/", -1);
    int bits = Integer.parseInt(parts[1]);
    long mask = bits == 0 ? 0 : (0xFFFFFFFFL << (32 - bits)) & 0xFFFFFFFFL;
    return (ipv4(address) & mask) == (ipv4(parts[0]) & mask);
  }

  private static long ipv4(String address) {
    long value = 0;
    for (String octet : address.split("\\.", -1)) {
      value = (value << 8) | Integer.parseInt(octet);
    }
    return value;
  }

  /** A compose (Go) duration: {@code 45s}, {@code 1m30s}, {@code 500ms}. */
  private static Duration composeDuration(String text) {
    Matcher part = Pattern.compile("(\\d+)(us|ms|s|m|h)").matcher(text.trim());
    Duration total = Duration.ZERO;
    int end = 0;
    while (part.find() && part.start() == end) {
      long amount = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "us" -> Duration.ofNanos(amount * 1000);
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                default -> Duration.ofHours(amount);
              });
      end = part.end();
    }
    assertThat(end).as("compose duration " + text).isEqualTo(text.trim().length()).isPositive();
    return total;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(item -> values.add(item.asText()));
    return values;
  }

  private static List<String> fieldNames(JsonNode object) {
    List<String> names = new ArrayList<>();
    object.fieldNames().forEachRemaining(names::add);
    return names;
  }

  // ================================================================= helpers: sources, Dockerfile,
  // PATH

  /**
   * Module (first path element under the root) to the MESH_* names its main code reads, its child
   * modules' included (common/api, common/runtime ...): string literals in {@code src/main/java},
   * {@code ${MESH_...}} references in {@code src/main/resources} (logback.xml).
   */
  private static Map<String, Set<String>> scanMainSources(Path root) throws IOException {
    Map<String, Set<String>> byModule = new TreeMap<>();
    Files.walkFileTree(
        root,
        new SimpleFileVisitor<>() {
          @Override
          public FileVisitResult preVisitDirectory(Path dir, BasicFileAttributes attrs) {
            String name = dir.getFileName() == null ? "" : dir.getFileName().toString();
            return Set.of(".git", "target", "node_modules").contains(name)
                ? FileVisitResult.SKIP_SUBTREE
                : FileVisitResult.CONTINUE;
          }

          @Override
          public FileVisitResult visitFile(Path file, BasicFileAttributes attrs)
              throws IOException {
            Path relative = root.relativize(file);
            // <module>/src/main/... or, in a parent module such as common,
            // <module>/<child>/src/main/...
            int src =
                relative.getNameCount() > 5 && relative.getName(2).toString().equals("src") ? 2 : 1;
            if (relative.getNameCount() <= src + 3) {
              return FileVisitResult.CONTINUE;
            }
            Path where = relative.subpath(src, src + 3);
            Pattern pattern;
            if (where.equals(Path.of("src", "main", "java")) && file.toString().endsWith(".java")) {
              pattern = MESH_LITERAL;
            } else if (where.equals(Path.of("src", "main", "resources"))
                && file.toString().matches(".*\\.(xml|properties|yml|yaml|json)$")) {
              pattern = MESH_RESOURCE_REFERENCE;
            } else {
              return FileVisitResult.CONTINUE;
            }
            Matcher matcher = pattern.matcher(Files.readString(file));
            Set<String> names =
                byModule.computeIfAbsent(relative.getName(0).toString(), m -> new TreeSet<>());
            while (matcher.find()) {
              names.add(matcher.group(1));
            }
            return FileVisitResult.CONTINUE;
          }
        });
    return byModule;
  }

  /** Paths (from the root) of the modules the pom in {@code dir} lists, and of theirs, in order. */
  private static List<String> reactorModules(Path root, String dir) throws IOException {
    String pom = Files.readString(root.resolve(dir).resolve("pom.xml"));
    List<String> modules = new ArrayList<>();
    Matcher module = Pattern.compile("<module>\\s*([^<\\s]+)\\s*</module>").matcher(pom);
    while (module.find()) {
      String path = dir.isEmpty() ? module.group(1) : dir + "/" + module.group(1);
      modules.add(path);
      modules.addAll(reactorModules(root, path));
    }
    return modules;
  }

  /** Dockerfile instructions, continuation lines joined, comments and blank lines dropped. */
  private static List<String> dockerInstructions(String text) {
    List<String> instructions = new ArrayList<>();
    StringBuilder current = new StringBuilder();
    for (String line : text.lines().toList()) {
      String trimmed = line.trim();
      if (trimmed.startsWith("#") || (trimmed.isEmpty() && current.isEmpty())) {
        continue;
      }
      if (trimmed.endsWith("\\")) {
        current.append(trimmed, 0, trimmed.length() - 1).append(' ');
      } else {
        current.append(trimmed);
        instructions.add(current.toString().replaceAll("\\s+", " ").trim());
        current.setLength(0);
      }
    }
    return instructions;
  }

  /** The instructions of the last stage, from its FROM. */
  private static List<String> finalStage() {
    int from = -1;
    for (int i = 0; i < dockerfile.size(); i++) {
      if (dockerfile.get(i).matches("(?i)FROM\\s.*")) {
        from = i;
      }
    }
    assertThat(from).as("Dockerfile has a FROM").isNotNegative();
    return dockerfile.subList(from, dockerfile.size());
  }

  private static Optional<Path> onPath(String binary) {
    String path = System.getenv("PATH");
    if (path == null) {
      return Optional.empty();
    }
    for (String dir : path.split(File.pathSeparator, -1)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, binary);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  // ================================================================= helpers: nginx

  /**
   * The location nginx picks for {@code uri} in the (single) server block, followed by its
   * enclosing server and http blocks: exact match, then the longest prefix if it is {@code ^~},
   * then the first matching regex, then the longest prefix. If no location matches, the chain
   * starts at the server block.
   */
  private static List<NginxBlock> nginxLocation(String uri) {
    NginxBlock http = nginx.block("http");
    List<NginxBlock> servers = http.directives("server");
    assertThat(servers).as("nginx server blocks").hasSize(1);
    NginxBlock server = servers.get(0);
    List<NginxBlock> locations = server.directives("location");
    NginxBlock chosen = null;
    for (NginxBlock location : locations) {
      if (location.args().size() == 2
          && location.args().get(0).equals("=")
          && location.args().get(1).equals(uri)) {
        chosen = location;
      }
    }
    if (chosen == null) {
      NginxBlock prefix = null;
      for (NginxBlock location : locations) {
        List<String> args = location.args();
        boolean isPrefix = args.size() == 1 || (args.size() == 2 && args.get(0).equals("^~"));
        String path = args.get(args.size() - 1);
        if (isPrefix
            && uri.startsWith(path)
            && (prefix == null
                || path.length() > prefix.args().get(prefix.args().size() - 1).length())) {
          prefix = location;
        }
      }
      if (prefix != null && prefix.args().get(0).equals("^~")) {
        chosen = prefix;
      } else {
        for (NginxBlock location : locations) {
          List<String> args = location.args();
          if (args.size() == 2 && (args.get(0).equals("~") || args.get(0).equals("~*"))) {
            int flags = args.get(0).equals("~*") ? Pattern.CASE_INSENSITIVE : 0;
            if (Pattern.compile(args.get(1), flags).matcher(uri).find()) {
              chosen = location;
              break;
            }
          }
        }
        if (chosen == null) {
          chosen = prefix;
        }
      }
    }
    return chosen == null ? List.of(server, http) : List.of(chosen, server, http);
  }

  /**
   * The directives named {@code name} that apply in the innermost block of {@code chain}: nginx
   * inherits a directive from the enclosing level only when the inner level has none of it (for
   * {@code proxy_set_header}, not one).
   */
  private static List<NginxBlock> effective(List<NginxBlock> chain, String name) {
    for (NginxBlock level : chain) {
      List<NginxBlock> found = level.directives(name);
      if (!found.isEmpty()) {
        return found;
      }
    }
    return List.of();
  }

  private static List<String> single(List<NginxBlock> chain, String name) {
    List<NginxBlock> found = effective(chain, name);
    assertThat(found).as(name + " in effect for " + chain.get(0).args()).hasSize(1);
    return found.get(0).args();
  }

  /** Effective proxy_set_header, header names lower-cased. */
  private static Map<String, String> headers(List<NginxBlock> chain) {
    Map<String, String> headers = new TreeMap<>();
    for (NginxBlock header : effective(chain, "proxy_set_header")) {
      headers.put(
          header.args().get(0).toLowerCase(Locale.ROOT),
          header.args().size() > 1 ? header.args().get(1) : "");
    }
    return headers;
  }

  private static NginxBlock upstreamOf(List<NginxBlock> chain) {
    List<String> proxyPass = single(chain, "proxy_pass");
    Matcher target = Pattern.compile("https?://([^/:]+)/?").matcher(proxyPass.get(0));
    assertThat(target.matches()).as("proxy_pass " + proxyPass + " names an upstream").isTrue();
    return nginx.block("http").directives("upstream").stream()
        .filter(u -> u.args().equals(List.of(target.group(1))))
        .findFirst()
        .orElseThrow(
            () -> new AssertionError("no `upstream " + target.group(1) + "` block in nginx.conf"));
  }

  /** An nginx time: {@code 75s}, {@code 1m15s}, {@code 500ms}; a bare number is seconds. */
  private static Duration nginxDuration(String text) {
    if (text.matches("\\d+")) {
      return Duration.ofSeconds(Long.parseLong(text));
    }
    Matcher part = Pattern.compile("(\\d+)(ms|s|m|h|d|w|M|y)").matcher(text);
    Duration total = Duration.ZERO;
    int end = 0;
    while (part.find() && part.start() == end) {
      long amount = Long.parseLong(part.group(1));
      total =
          total.plus(
              switch (part.group(2)) {
                case "ms" -> Duration.ofMillis(amount);
                case "s" -> Duration.ofSeconds(amount);
                case "m" -> Duration.ofMinutes(amount);
                case "h" -> Duration.ofHours(amount);
                case "d" -> Duration.ofDays(amount);
                case "w" -> Duration.ofDays(7 * amount);
                case "M" -> Duration.ofDays(30 * amount);
                default -> Duration.ofDays(365 * amount);
              });
      end = part.end();
    }
    assertThat(end).as("nginx time " + text).isEqualTo(text.length()).isPositive();
    return total;
  }

  /** A directive of nginx.conf: name, arguments and, for a block, its children. */
  private record NginxBlock(String name, List<String> args, List<NginxBlock> children) {

    List<NginxBlock> directives(String directive) {
      return children.stream().filter(c -> c.name().equals(directive)).toList();
    }

    NginxBlock block(String directive) {
      List<NginxBlock> found = directives(directive);
      assertThat(found).as("nginx `" + directive + "` blocks in " + name).hasSize(1);
      return found.get(0);
    }

    static NginxBlock parse(String text) {
      List<String> tokens = tokens(text);
      int[] position = {0};
      NginxBlock main = new NginxBlock("main", List.of(), parseChildren(tokens, position));
      assertThat(position[0]).as("nginx.conf: unbalanced `}`").isEqualTo(tokens.size());
      return main;
    }

    private static List<NginxBlock> parseChildren(List<String> tokens, int[] position) {
      List<NginxBlock> children = new ArrayList<>();
      while (position[0] < tokens.size() && !tokens.get(position[0]).equals("}")) {
        String name = tokens.get(position[0]++);
        List<String> args = new ArrayList<>();
        while (true) {
          assertThat(position[0])
              .as("nginx.conf: `" + name + "` not terminated")
              .isLessThan(tokens.size());
          String token = tokens.get(position[0]++);
          if (token.equals(";")) {
            children.add(new NginxBlock(name, args, List.of()));
            break;
          }
          if (token.equals("{")) {
            List<NginxBlock> nested = parseChildren(tokens, position);
            assertThat(position[0])
                .as("nginx.conf: block `" + name + "` not closed")
                .isLessThan(tokens.size());
            position[0]++;
            children.add(new NginxBlock(name, args, nested));
            break;
          }
          args.add(token);
        }
      }
      return children;
    }

    /**
     * Words, quoted strings (unquoted), and the punctuation {@code ; { }}; {@code #} comments
     * dropped.
     */
    private static List<String> tokens(String text) {
      List<String> tokens = new ArrayList<>();
      int i = 0;
      while (i < text.length()) {
        char c = text.charAt(i);
        if (Character.isWhitespace(c)) {
          i++;
        } else if (c == '#') {
          while (i < text.length() && text.charAt(i) != '\n') {
            i++;
          }
        } else if (c == ';' || c == '{' || c == '}') {
          tokens.add(String.valueOf(c));
          i++;
        } else if (c == '"' || c == '\'') {
          StringBuilder quoted = new StringBuilder();
          i++;
          while (i < text.length() && text.charAt(i) != c) {
            if (text.charAt(i) == '\\' && i + 1 < text.length()) {
              i++;
            }
            quoted.append(text.charAt(i++));
          }
          i++;
          tokens.add(quoted.toString());
        } else {
          int start = i;
          while (i < text.length()
              && !Character.isWhitespace(text.charAt(i))
              && ";{}".indexOf(text.charAt(i)) < 0) {
            i++;
          }
          tokens.add(text.substring(start, i));
        }
      }
      return tokens;
    }
  }
}
