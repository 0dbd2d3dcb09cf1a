package dev.mesh.bench.deploy;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.json.JsonMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.mesh.common.cluster.ClusterJoin;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.config.Env;
import dev.mesh.common.launch.ServiceOptions;
import dev.mesh.connection.ConnectionOptions;
import dev.mesh.presence.PresenceOptions;
import dev.mesh.replay.ReplayOptions;
import io.fabric8.kubernetes.api.model.ConfigMap;
import io.fabric8.kubernetes.api.model.Namespace;
import io.fabric8.kubernetes.api.model.Quantity;
import io.fabric8.kubernetes.api.model.Service;
import io.fabric8.kubernetes.api.model.apps.Deployment;
import io.fabric8.kubernetes.api.model.autoscaling.v2.HorizontalPodAutoscaler;
import io.fabric8.kubernetes.api.model.networking.v1.NetworkPolicy;
import io.fabric8.kubernetes.api.model.policy.v1.PodDisruptionBudget;
import java.io.IOException;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.math.BigDecimal;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Checks deploy/kubernetes without a cluster: the base and the example overlay are rendered as
 * kustomize renders them (the base by reading its resources, checked against {@code kubectl
 * kustomize}; the overlay by {@code kubectl kustomize}), every object is read strictly into the
 * Kubernetes object model (each field name and type), and every Mesh setting is parsed by the
 * services' own options classes, the way DeploymentFilesTest checks docker-compose.yml: ports and
 * probes against the defaults, the drain against the grace period, the join against the headless
 * Service, the NetworkPolicy against the cluster ports, the memory against docs/bench's
 * measurements.
 */
@DisplayName("The Kubernetes manifests")
class KubernetesManifestsTest {

  /** Stand-ins for what the cluster fills in: the pod's address and a Secret's value. */
  private static final String POD_IP = "10.244.3.7";

  private static final String SECRET_VALUE = "a-secret-value-from-a-kubernetes-secret-0123456789";
  private static final String CLUSTER_MEMBER_LABEL = "mesh.dev/cluster-member";

  private static final Map<String, Class<?>> KINDS =
      Map.of(
          "v1/ConfigMap", ConfigMap.class,
          "v1/Service", Service.class,
          "v1/Namespace", Namespace.class,
          "apps/v1/Deployment", Deployment.class,
          "policy/v1/PodDisruptionBudget", PodDisruptionBudget.class,
          "networking.k8s.io/v1/NetworkPolicy", NetworkPolicy.class,
          "autoscaling/v2/HorizontalPodAutoscaler", HorizontalPodAutoscaler.class);

  private static final Map<String, Integer> DEFAULT_OPS_PORTS =
      Map.of(
          "connection-service", ConnectionOptions.DEFAULT_OPS_PORT,
          "presence-service", PresenceOptions.DEFAULT_OPS_PORT,
          "replay-service", ReplayOptions.DEFAULT_OPS_PORT);

  private static Path root;
  private static Path kubernetes;
  private static List<JsonNode> base;
  private static Map<String, Set<String>> variablesRead;

  @BeforeAll
  static void render() throws IOException {
    root =
        Path.of(Objects.requireNonNull(System.getProperty("mesh.repo.root"), "mesh.repo.root"))
            .toRealPath();
    kubernetes = root.resolve("deploy/kubernetes");
    base = renderBase();
    variablesRead = MeshVariables.readByModule(root);
  }

  /**
   * The base as kustomize emits it: it has no transformers, so its objects are its resources'
   * documents.
   */
  private static List<JsonNode> renderBase() throws IOException {
    Path dir = kubernetes.resolve("base");
    JsonNode kustomization = new YAMLMapper().readTree(dir.resolve("kustomization.yaml").toFile());
    assertThat(fieldNames(kustomization))
        .as("base kustomization fields (anything else would transform the resources)")
        .containsExactlyInAnyOrder("apiVersion", "kind", "resources");
    List<JsonNode> documents = new ArrayList<>();
    for (JsonNode resource : kustomization.path("resources")) {
      documents.addAll(documents(Files.readString(dir.resolve(resource.asText()))));
    }
    return documents;
  }

  private static List<JsonNode> documents(String yaml) throws IOException {
    List<JsonNode> documents = new ArrayList<>();
    try (var values = new YAMLMapper().readerFor(JsonNode.class).readValues(yaml)) {
      while (values.hasNext()) {
        JsonNode document = (JsonNode) values.next();
        if (document != null && !document.isNull() && !document.isEmpty()) {
          documents.add(document);
        }
      }
    }
    return documents;
  }

  private static List<JsonNode> kustomize(String directory) throws Exception {
    Path kubectl = Tools.optional("kubectl", "kubectl 1.27+ renders kustomize");
    Tools.Result result =
        Tools.run(root, List.of(kubectl.toString(), "kustomize", "deploy/kubernetes/" + directory));
    assertThat(result.exit())
        .as("kubectl kustomize " + directory + ":\n" + result.output())
        .isZero();
    return documents(result.output());
  }

  private static List<String> fieldNames(JsonNode node) {
    List<String> names = new ArrayList<>();
    node.fieldNames().forEachRemaining(names::add);
    return names;
  }

  // ================================================================= rendering and schema

  @Test
  @DisplayName("kubectl kustomize renders the base into exactly the objects this test reads")
  void baseRendersAsKustomizeDoes() throws Exception {
    Map<String, JsonNode> ours = byKindAndName(base);
    Map<String, JsonNode> theirs = byKindAndName(kustomize("base"));
    assertThat(theirs.keySet()).isEqualTo(ours.keySet());
    ours.forEach((key, object) -> assertThat(theirs.get(key)).as(key).isEqualTo(object));
  }

  @Test
  @DisplayName(
      "every object of the base and the example overlay fits the Kubernetes schema: known kinds, known fields, right types")
  void everyObjectFitsTheSchema() throws Exception {
    List<JsonNode> overlay = kustomize("overlays/example");
    assertThat(base).hasSizeGreaterThan(10);
    assertThat(overlay).hasSizeGreaterThan(base.size());
    for (JsonNode object : concat(base, overlay)) {
      strictlyTyped(object);
    }
  }

  /**
   * Reads {@code object} into its fabric8 model class; fails on an unknown kind, field or a value
   * of the wrong type.
   */
  private static Object strictlyTyped(JsonNode object) throws Exception {
    String key = object.path("apiVersion").asText() + "/" + object.path("kind").asText();
    Class<?> type = KINDS.get(key);
    String name = key + " " + object.path("metadata").path("name").asText();
    assertThat(type).as(name + ": a kind these manifests are expected to hold").isNotNull();
    ObjectMapper strict =
        JsonMapper.builder().disable(MapperFeature.ALLOW_COERCION_OF_SCALARS).build();
    Object typed = strict.treeToValue(object, type);
    List<String> unknown = new ArrayList<>();
    unknownFields(typed, name, unknown);
    assertThat(unknown).as("fields the Kubernetes API does not know").isEmpty();
    return typed;
  }

  /**
   * The model keeps fields it does not know in additionalProperties: there must be none, at any
   * depth.
   */
  private static void unknownFields(Object value, String path, List<String> unknown)
      throws Exception {
    if (value instanceof List<?> list) {
      for (int i = 0; i < list.size(); i++) {
        unknownFields(list.get(i), path + "[" + i + "]", unknown);
      }
      return;
    }
    if (value instanceof Map<?, ?> map) {
      for (var entry : map.entrySet()) {
        unknownFields(entry.getValue(), path + "." + entry.getKey(), unknown);
      }
      return;
    }
    if (value == null
        || !value.getClass().getName().startsWith("io.fabric8.kubernetes.api.model")) {
      return;
    }
    for (Method getter : value.getClass().getMethods()) {
      if (getter.getParameterCount() != 0
          || Modifier.isStatic(getter.getModifiers())
          || !getter.getName().startsWith("get")
          || getter.getName().equals("getClass")) {
        continue;
      }
      Object field = getter.invoke(value);
      if (getter.getName().equals("getAdditionalProperties")) {
        if (field instanceof Map<?, ?> extra && !extra.isEmpty()) {
          unknown.add(path + ": " + extra.keySet());
        }
      } else {
        unknownFields(field, path + "." + getter.getName().substring(3), unknown);
      }
    }
  }

  @Test
  @DisplayName("the schema check catches a misspelt field and a value of the wrong type")
  void schemaCheckCatchesMistakes() throws Exception {
    ObjectNode misspelt = deployment(base, "connection-service").deepCopy();
    ((ObjectNode) misspelt.path("spec")).put("minReadySecond", 10);
    ObjectNode wrongType = deployment(base, "connection-service").deepCopy();
    ((ObjectNode) wrongType.path("spec")).put("replicas", "two");
    for (JsonNode broken : List.of(misspelt, wrongType)) {
      try {
        strictlyTyped(broken);
        fail("accepted " + broken.path("spec"));
      } catch (AssertionError | IOException expected) {
        // refused, as it should be
      }
    }
  }

  // ================================================================= Mesh settings against the
  // options classes

  /** One Mesh Deployment: its module, its container and the environment the container would see. */
  private record Workload(
      String module, JsonNode deployment, JsonNode container, Map<String, String> env) {

    ServiceOptions options() {
      // Certificate files come from a mounted Secret (checked in workloads()): the options read a
      // stand-in file.
      Map<String, String> readable = new TreeMap<>(env);
      readable.replaceAll(
          (name, value) ->
              name.startsWith("MESH_BUS_TLS_") ? mountedFileStandIn().toString() : value);
      Env parsed = Env.of(readable);
      ServiceOptions options =
          switch (module) {
            case "connection-service" -> ConnectionOptions.fromEnv(parsed).service();
            case "presence-service" -> PresenceOptions.fromEnv(parsed).service();
            case "replay-service" -> ReplayOptions.fromEnv(parsed).service();
            default -> throw new AssertionError("unknown module " + module);
          };
      parsed.validate();
      return options;
    }

    JsonNode podSpec() {
      return deployment.path("spec").path("template").path("spec");
    }

    Map<String, String> podLabels() {
      return strings(deployment.path("spec").path("template").path("metadata").path("labels"));
    }

    int containerPort(String name) {
      for (JsonNode port : container.path("ports")) {
        if (port.path("name").asText().equals(name)) {
          return port.path("containerPort").asInt();
        }
      }
      throw new AssertionError(module + " has no container port named " + name);
    }
  }

  private static JsonNode deployment(List<JsonNode> objects, String module) {
    return objects.stream()
        .filter(o -> o.path("kind").asText().equals("Deployment"))
        .filter(
            o ->
                o.path("metadata")
                    .path("labels")
                    .path("app.kubernetes.io/name")
                    .asText()
                    .equals(module))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no Deployment of " + module));
  }

  private static List<Workload> workloads(List<JsonNode> objects) {
    List<Workload> workloads = new ArrayList<>();
    for (String module : DEFAULT_OPS_PORTS.keySet().stream().sorted().toList()) {
      JsonNode deployment = deployment(objects, module);
      JsonNode containers =
          deployment.path("spec").path("template").path("spec").path("containers");
      assertThat(containers).as(module + " containers").hasSize(1);
      JsonNode container = containers.get(0);
      Map<String, String> env = new TreeMap<>();
      for (JsonNode source : container.path("envFrom")) {
        String configMap = source.path("configMapRef").path("name").asText();
        JsonNode data = find(objects, "ConfigMap", configMap).path("data");
        assertThat(data.isObject()).as(module + " envFrom ConfigMap " + configMap).isTrue();
        env.putAll(strings(data));
      }
      for (JsonNode variable : container.path("env")) {
        String name = variable.path("name").asText();
        JsonNode from = variable.path("valueFrom");
        if (from.isMissingNode() && name.startsWith("MESH_BUS_TLS_")) {
          // A certificate file mounted from a Secret: it must lie under one of the container's
          // mounts.
          String path = variable.path("value").asText();
          boolean mounted = false;
          for (JsonNode mount : container.path("volumeMounts")) {
            mounted |= path.startsWith(mount.path("mountPath").asText() + "/");
          }
          assertThat(mounted)
              .as(module + " " + name + "=" + path + " lies under a volume mount")
              .isTrue();
          env.put(name, path);
        } else if (from.isMissingNode()) {
          env.put(name, variable.path("value").asText());
        } else if (from.has("fieldRef")) {
          assertThat(from.path("fieldRef").path("fieldPath").asText())
              .as(module + " " + name)
              .isEqualTo("status.podIP");
          env.put(name, POD_IP);
        } else {
          assertThat(from.has("secretKeyRef"))
              .as(module + " " + name + " comes from a value, the pod IP or a Secret")
              .isTrue();
          env.put(name, SECRET_VALUE);
        }
      }
      workloads.add(new Workload(module, deployment, container, env));
    }
    return workloads;
  }

  private static java.nio.file.Path mountedFile;

  /** A readable file standing in for a file the pod reads from a mounted Secret. */
  private static synchronized java.nio.file.Path mountedFileStandIn() {
    if (mountedFile == null) {
      try {
        mountedFile = java.nio.file.Files.createTempFile("mesh-mounted-secret", ".pem");
        mountedFile.toFile().deleteOnExit();
      } catch (java.io.IOException e) {
        throw new java.io.UncheckedIOException(e);
      }
    }
    return mountedFile;
  }

  private static JsonNode find(List<JsonNode> objects, String kind, String name) {
    return objects.stream()
        .filter(
            o ->
                o.path("kind").asText().equals(kind)
                    && o.path("metadata").path("name").asText().equals(name))
        .findFirst()
        .orElseThrow(() -> new AssertionError("no " + kind + " " + name));
  }

  @Test
  @DisplayName(
      "every MESH_* variable is read by common or the service's module, and the options classes accept every value")
  void meshSettingsAreValid() throws Exception {
    for (List<JsonNode> rendering : List.of(base, kustomize("overlays/example"))) {
      for (Workload workload : workloads(rendering)) {
        Set<String> read = MeshVariables.readBy(variablesRead, workload.module());
        for (String variable : workload.env().keySet()) {
          assertThat(variable).as(workload.module() + ": only MESH_* settings").startsWith("MESH_");
          assertThat(read).as(workload.module() + " reads " + variable).contains(variable);
        }
        assertThat(workload.options()).as(workload.module() + " options").isNotNull();
      }
    }
  }

  @Test
  @DisplayName(
      "every pod joins by Kubernetes DNS lookup of the headless Service, on its own address and the ports the Service and containers declare")
  void joinThroughTheHeadlessService() throws Exception {
    for (List<JsonNode> rendering : List.of(base, kustomize("overlays/example"))) {
      JsonNode headless =
          rendering.stream()
              .filter(
                  o ->
                      o.path("kind").asText().equals("Service")
                          && o.path("spec").path("clusterIP").asText().equals("None"))
              .findFirst()
              .orElseThrow(() -> new AssertionError("no headless Service"));
      assertThat(headless.path("spec").path("publishNotReadyAddresses").asBoolean())
          .as(
              "the headless Service lists pods before they are ready (a new pod must find the others)")
          .isTrue();
      String serviceName = headless.path("metadata").path("name").asText();
      String namespace = headless.path("metadata").path("namespace").asText("");
      Map<String, String> selector = strings(headless.path("spec").path("selector"));
      assertThat(selector).containsEntry(CLUSTER_MEMBER_LABEL, "true");

      for (Workload workload : workloads(rendering)) {
        ClusterOptions cluster = workload.options().cluster();
        assertThat(cluster.join().method())
            .as(workload.module() + " join")
            .isEqualTo(ClusterJoin.Method.KUBERNETES);
        String[] dns = cluster.join().serviceDns().split("\\.", -1);
        assertThat(dns[0])
            .as(workload.module() + " service DNS names the headless Service")
            .isEqualTo(serviceName);
        if (dns.length > 1) {
          assertThat(cluster.join().serviceDns())
              .as(workload.module() + " fully qualified service DNS")
              .isEqualTo(serviceName + "." + namespace + ".svc.cluster.local");
        }
        assertThat(matches(selector, workload.podLabels()))
            .as(workload.module() + " pods behind the headless Service")
            .isTrue();
        JsonNode servicePort = headless.path("spec").path("ports").get(0);
        assertThat(cluster.join().servicePort())
            .as(workload.module() + " service port")
            .isEqualTo(servicePort.path("port").asInt())
            .isEqualTo(cluster.port())
            .isEqualTo(workload.containerPort(servicePort.path("targetPort").asText()));
        assertThat(cluster.portAutoIncrement())
            .as(workload.module() + " one fixed Hazelcast port")
            .isFalse();
        assertThat(cluster.host()).as(workload.module() + " MESH_CLUSTER_HOST").isEqualTo(POD_IP);
        assertThat(cluster.busHost()).as(workload.module() + " MESH_BUS_HOST").isEqualTo(POD_IP);
        assertThat(cluster.busPublicHost())
            .as(workload.module() + " MESH_BUS_PUBLIC_HOST")
            .isEqualTo(POD_IP);
        assertThat(cluster.busPort())
            .as(workload.module() + " fixed event-bus port")
            .isEqualTo(workload.containerPort("eventbus"))
            .isPositive();
      }
    }
  }

  @Test
  @DisplayName(
      "probes: readiness on /ready and liveness on /health of the ops port, served on all interfaces; the service ports match the options")
  void probesAndPorts() {
    for (Workload workload : workloads(base)) {
      ServiceOptions options = workload.options();
      int ops = workload.containerPort("ops");
      assertThat(options.ops().port())
          .as(workload.module() + " ops port")
          .isEqualTo(ops)
          .isEqualTo(DEFAULT_OPS_PORTS.get(workload.module()));
      assertThat(options.ops().host())
          .as(workload.module() + " MESH_OPS_HOST (the kubelet probes the pod IP)")
          .isEqualTo("0.0.0.0");
      Map<String, String> probePaths =
          Map.of("readinessProbe", "/ready", "livenessProbe", "/health", "startupProbe", "/health");
      probePaths.forEach(
          (probe, path) -> {
            JsonNode get = workload.container().path(probe).path("httpGet");
            assertThat(get.path("path").asText())
                .as(workload.module() + " " + probe)
                .isEqualTo(path);
            String port = get.path("port").asText();
            assertThat(port.equals("ops") || port.equals(Integer.toString(ops)))
                .as(workload.module() + " " + probe + " port " + port)
                .isTrue();
          });
      JsonNode liveness = workload.container().path("livenessProbe");
      Duration livenessWindow =
          Duration.ofSeconds(
              (long) liveness.path("periodSeconds").asInt(10)
                  * liveness.path("failureThreshold").asInt(3));
      assertThat(livenessWindow)
          .as(workload.module() + " liveness tolerates a pause longer than failure detection")
          .isGreaterThan(options.cluster().failureDetectionTimeout());
      String annotationPort =
          workload
              .deployment()
              .path("spec")
              .path("template")
              .path("metadata")
              .path("annotations")
              .path("prometheus.io/port")
              .asText();
      assertThat(annotationPort)
          .as(workload.module() + " prometheus.io/port")
          .isEqualTo(Integer.toString(ops));
    }
    Workload connection = workload(base, "connection-service");
    ConnectionOptions edge = ConnectionOptions.fromEnv(Env.of(connection.env()));
    assertThat(edge.httpHost()).isEqualTo("0.0.0.0");
    assertThat(edge.httpPort()).isEqualTo(connection.containerPort("http"));
    PresenceOptions presence =
        PresenceOptions.fromEnv(Env.of(workload(base, "presence-service").env()));
    assertThat(presence.httpPort())
        .isEqualTo(workload(base, "presence-service").containerPort("api"));
    assertThat(presence.httpHost())
        .as("presence API host (follows MESH_OPS_HOST)")
        .isEqualTo("0.0.0.0");
    ReplayOptions replay = ReplayOptions.fromEnv(Env.of(workload(base, "replay-service").env()));
    assertThat(replay.httpPort()).isEqualTo(workload(base, "replay-service").containerPort("api"));
    assertThat(replay.httpHost()).isEqualTo("0.0.0.0");
    assertThat(replay.httpToken()).as("the replay HTTP API requires a token").isNotBlank();

    for (JsonNode service :
        base.stream()
            .filter(
                o ->
                    o.path("kind").asText().equals("Service")
                        && !o.path("spec").path("clusterIP").asText().equals("None"))
            .toList()) {
      Workload target =
          workloads(base).stream()
              .filter(w -> matches(strings(service.path("spec").path("selector")), w.podLabels()))
              .findFirst()
              .orElseThrow(
                  () ->
                      new AssertionError(
                          "Service " + service.path("metadata").path("name") + " selects no pod"));
      for (JsonNode port : service.path("spec").path("ports")) {
        assertThat(target.containerPort(port.path("targetPort").asText()))
            .isEqualTo(port.path("port").asInt());
      }
    }
  }

  private static Workload workload(List<JsonNode> objects, String module) {
    return workloads(objects).stream()
        .filter(w -> w.module().equals(module))
        .findFirst()
        .orElseThrow();
  }

  @Test
  @DisplayName(
      "the grace period covers preStop plus the graceful drain, and edges stay ready longer than their clients take to come back")
  void drainFitsTheGracePeriod() {
    for (Workload workload : workloads(base)) {
      ServiceOptions options = workload.options();
      List<String> preStop = new ArrayList<>();
      workload
          .container()
          .path("lifecycle")
          .path("preStop")
          .path("exec")
          .path("command")
          .forEach(c -> preStop.add(c.asText()));
      assertThat(preStop).as(workload.module() + " preStop").hasSize(2).startsWith("sleep");
      Duration sleep = Duration.ofSeconds(Long.parseLong(preStop.get(1)));
      Duration grace =
          Duration.ofSeconds(workload.podSpec().path("terminationGracePeriodSeconds").asLong(30));
      assertThat(grace)
          .as(
              workload.module()
                  + " terminationGracePeriodSeconds vs preStop "
                  + sleep
                  + " + MESH_SHUTDOWN_TIMEOUT "
                  + options.shutdownTimeout()
                  + " + 5 s")
          .isGreaterThanOrEqualTo(sleep.plus(options.shutdownTimeout()).plusSeconds(5));
    }
    Workload connection = workload(base, "connection-service");
    Duration spread = ConnectionOptions.fromEnv(Env.of(connection.env())).shutdownSpread();
    assertThat(
            Duration.ofSeconds(
                connection.deployment().path("spec").path("minReadySeconds").asLong()))
        .as("connection minReadySeconds vs MESH_SHUTDOWN_SPREAD")
        .isGreaterThan(spread);
  }

  @Test
  @DisplayName(
      "rolling updates surge one pod and stop none before it is ready; data members are ready only with safe partitions, edges never wait for them")
  void rollingUpdatesWaitForPartitionSafety() {
    for (Workload workload : workloads(base)) {
      JsonNode strategy = workload.deployment().path("spec").path("strategy");
      assertThat(strategy.path("type").asText()).isEqualTo("RollingUpdate");
      assertThat(strategy.path("rollingUpdate").path("maxUnavailable").asText())
          .as(workload.module())
          .isEqualTo("0");
      assertThat(strategy.path("rollingUpdate").path("maxSurge").asText())
          .as(workload.module())
          .isEqualTo("1");
      boolean dataMember = !workload.module().equals("connection-service");
      assertThat(workload.options().ops().readyRequiresSafePartitions())
          .as(workload.module() + " MESH_READY_REQUIRE_SAFE_PARTITIONS")
          .isEqualTo(dataMember);
      assertThat(workload.deployment().path("spec").path("minReadySeconds").asInt())
          .as(workload.module())
          .isPositive();
    }
  }

  @Test
  @DisplayName(
      "a PodDisruptionBudget per service lets one pod go at a time, and data members only while the others are ready")
  void disruptionBudgets() {
    List<JsonNode> budgets =
        base.stream().filter(o -> o.path("kind").asText().equals("PodDisruptionBudget")).toList();
    for (Workload workload : workloads(base)) {
      List<JsonNode> covering =
          budgets.stream()
              .filter(b -> matches(b.path("spec").path("selector"), workload.podLabels()))
              .toList();
      assertThat(covering).as(workload.module() + " PodDisruptionBudgets").hasSize(1);
      JsonNode spec = covering.get(0).path("spec");
      assertThat(spec.path("maxUnavailable").asInt())
          .as(workload.module() + " maxUnavailable")
          .isEqualTo(1);
      if (!workload.module().equals("connection-service")) {
        assertThat(spec.path("unhealthyPodEvictionPolicy").asText())
            .as(workload.module())
            .isEqualTo("IfHealthyBudget");
      }
      assertThat(matches(spec.path("selector"), workload.podLabels())).isTrue();
      for (Workload other : workloads(base)) {
        if (!other.module().equals(workload.module())) {
          assertThat(matches(spec.path("selector"), other.podLabels()))
              .as(workload.module() + " budget selects " + other.module())
              .isFalse();
        }
      }
    }
  }

  // ================================================================= NetworkPolicy

  /**
   * A source of traffic: a pod (labels, namespace labels; null namespace = the Mesh namespace) or
   * an outside address.
   */
  private record Peer(
      String description, Map<String, String> podLabels, Map<String, String> namespaceLabels) {}

  private static final Peer MESH_POD =
      new Peer(
          "a Mesh pod",
          Map.of(
              "app.kubernetes.io/part-of",
              "mesh",
              "app.kubernetes.io/name",
              "presence-service",
              CLUSTER_MEMBER_LABEL,
              "true"),
          null);
  private static final Peer NEIGHBOUR =
      new Peer("another pod of the namespace", Map.of("app", "backend"), null);
  private static final Peer MONITORING =
      new Peer(
          "Prometheus in namespace monitoring",
          Map.of("app", "prometheus"),
          Map.of("kubernetes.io/metadata.name", "monitoring"));
  private static final Peer OTHER_NAMESPACE =
      new Peer(
          "a pod of another namespace",
          Map.of(CLUSTER_MEMBER_LABEL, "true"),
          Map.of("kubernetes.io/metadata.name", "intruder"));
  private static final Peer OUTSIDE = new Peer("an address outside the cluster", null, null);

  @Test
  @DisplayName(
      "the NetworkPolicy opens Hazelcast and the event bus to Mesh pods only, and keeps the ports each service needs reachable")
  void networkPolicyIsTheTrustBoundary() {
    List<JsonNode> policies =
        base.stream().filter(o -> o.path("kind").asText().equals("NetworkPolicy")).toList();
    for (Workload workload : workloads(base)) {
      int hazelcast = workload.containerPort("hazelcast");
      int bus = workload.containerPort("eventbus");
      int ops = workload.containerPort("ops");
      for (int port : List.of(hazelcast, bus)) {
        assertThat(allowed(policies, workload.podLabels(), port, MESH_POD))
            .as(workload.module() + ":" + port + " from " + MESH_POD.description())
            .isTrue();
        for (Peer stranger : List.of(NEIGHBOUR, MONITORING, OTHER_NAMESPACE, OUTSIDE)) {
          assertThat(allowed(policies, workload.podLabels(), port, stranger))
              .as(workload.module() + ":" + port + " from " + stranger.description())
              .isFalse();
        }
      }
      assertThat(allowed(policies, workload.podLabels(), ops, MONITORING))
          .as(workload.module() + " ops from Prometheus")
          .isTrue();
      assertThat(allowed(policies, workload.podLabels(), ops, OUTSIDE))
          .as(workload.module() + " ops from outside")
          .isFalse();
    }
    Workload connection = workload(base, "connection-service");
    assertThat(allowed(policies, connection.podLabels(), connection.containerPort("http"), OUTSIDE))
        .as("browsers reach the public port")
        .isTrue();
    for (String module : List.of("presence-service", "replay-service")) {
      Workload api = workload(base, module);
      assertThat(allowed(policies, api.podLabels(), api.containerPort("api"), NEIGHBOUR))
          .as(module + " API from a backend of the namespace")
          .isTrue();
      assertThat(allowed(policies, api.podLabels(), api.containerPort("api"), OUTSIDE))
          .as(module + " API from outside")
          .isFalse();
    }
  }

  /** Kubernetes' NetworkPolicy semantics for ingress to a pod of the Mesh namespace (TCP). */
  private static boolean allowed(
      List<JsonNode> policies, Map<String, String> target, int port, Peer peer) {
    List<JsonNode> selecting =
        policies.stream()
            .filter(p -> matches(p.path("spec").path("podSelector"), target))
            .filter(p -> texts(p.path("spec").path("policyTypes")).contains("Ingress"))
            .toList();
    if (selecting.isEmpty()) {
      return true;
    }
    for (JsonNode policy : selecting) {
      for (JsonNode rule : policy.path("spec").path("ingress")) {
        boolean portMatches = rule.path("ports").isEmpty();
        for (JsonNode allowedPort : rule.path("ports")) {
          portMatches |=
              allowedPort.path("protocol").asText("TCP").equals("TCP")
                  && allowedPort.path("port").asInt() == port;
        }
        if (!portMatches) {
          continue;
        }
        if (rule.path("from").isEmpty()) {
          return true;
        }
        for (JsonNode from : rule.path("from")) {
          if (from.has("ipBlock")) {
            if (peer.podLabels() == null) {
              return true;
            }
            continue;
          }
          if (peer.podLabels() == null) {
            continue;
          }
          boolean namespaceMatches =
              from.has("namespaceSelector")
                  ? peer.namespaceLabels() != null
                      && matches(from.path("namespaceSelector"), peer.namespaceLabels())
                  : peer.namespaceLabels() == null;
          boolean podMatches =
              !from.has("podSelector") || matches(from.path("podSelector"), peer.podLabels());
          if (namespaceMatches && podMatches) {
            return true;
          }
        }
      }
    }
    return false;
  }

  // ================================================================= resources

  @Test
  @DisplayName(
      "memory requests and limits follow docs/bench's measured memory per connection at MESH_MAX_CONNECTIONS_PER_NODE")
  void resourcesFollowTheMeasurements() throws Exception {
    JsonNode measured = null;
    for (JsonNode target :
        new ObjectMapper()
            .readTree(
                root.resolve("docs/bench/results/compare-10000-2026-11-22T0302.json").toFile())
            .path("targets")) {
      if (target.path("target").asText().equals("mesh-1node")
          && target.has("rssBytesPerConnection")) {
        measured = target;
      }
    }
    assertThat(measured).as("the mesh-1node idle measurement").isNotNull();
    long idleRss = measured.path("rssBefore").asLong();
    long rssPerConnection = measured.path("rssBytesPerConnection").asLong();
    long heapPerConnection = measured.path("heapBytesPerConnection").asLong();

    for (Workload workload : workloads(base)) {
      JsonNode resources = workload.container().path("resources");
      for (String field : List.of("requests", "limits")) {
        assertThat(resources.path(field).has("memory"))
            .as(workload.module() + " " + field + ".memory")
            .isTrue();
      }
      assertThat(resources.path("requests").has("cpu"))
          .as(workload.module() + " requests.cpu")
          .isTrue();
      assertThat(bytes(resources.path("limits").path("memory")))
          .as(workload.module() + " limit >= request")
          .isGreaterThanOrEqualTo(bytes(resources.path("requests").path("memory")));
      assertThat(bytes(resources.path("requests").path("memory")))
          .as(workload.module() + " holds an idle JVM")
          .isGreaterThan(BigDecimal.valueOf(idleRss));
    }

    Workload connection = workload(base, "connection-service");
    int maxConnections =
        ConnectionOptions.fromEnv(Env.of(connection.env())).limits().maxConnectionsPerNode();
    assertThat(connection.env())
        .as("the sizing names its connection count")
        .containsKey("MESH_MAX_CONNECTIONS_PER_NODE");
    BigDecimal steady = BigDecimal.valueOf(idleRss + (long) maxConnections * rssPerConnection);
    BigDecimal request =
        bytes(connection.container().path("resources").path("requests").path("memory"));
    BigDecimal limit =
        bytes(connection.container().path("resources").path("limits").path("memory"));
    assertThat(request)
        .as("connection request vs idle RSS + " + maxConnections + " x " + rssPerConnection + " B")
        .isGreaterThanOrEqualTo(steady);
    int heapPercent = maxRamPercentage();
    BigDecimal heap =
        limit.multiply(BigDecimal.valueOf(heapPercent)).divide(BigDecimal.valueOf(100));
    assertThat(heap)
        .as(
            "heap ("
                + heapPercent
                + " % of the limit) vs twice the live state of "
                + maxConnections
                + " connections")
        .isGreaterThanOrEqualTo(BigDecimal.valueOf(2L * maxConnections * heapPerConnection));
    assertThat(limit.subtract(heap))
        .as("room outside the heap for an idle JVM's non-heap memory")
        .isGreaterThanOrEqualTo(BigDecimal.valueOf(idleRss - measured.path("heapBefore").asLong()));
  }

  private static BigDecimal bytes(JsonNode quantity) {
    return Quantity.getAmountInBytes(new Quantity(quantity.asText()));
  }

  /** {@code -XX:MaxRAMPercentage} of the image's ENTRYPOINT (deploy/Dockerfile). */
  private static int maxRamPercentage() throws IOException {
    Matcher matcher =
        Pattern.compile("-XX:MaxRAMPercentage=(\\d+)")
            .matcher(Files.readString(root.resolve("deploy/Dockerfile")));
    assertThat(matcher.find()).as("deploy/Dockerfile sets -XX:MaxRAMPercentage").isTrue();
    return Integer.parseInt(matcher.group(1));
  }

  @Test
  @DisplayName(
      "containers run as the image's non-root user with a read-only root filesystem and a writable /tmp")
  void containersRunLocked() throws IOException {
    Matcher user =
        Pattern.compile("(?m)^USER\\s+(\\d+)")
            .matcher(Files.readString(root.resolve("deploy/Dockerfile")));
    assertThat(user.find()).isTrue();
    for (Workload workload : workloads(base)) {
      JsonNode pod = workload.podSpec().path("securityContext");
      assertThat(pod.path("runAsNonRoot").asBoolean()).as(workload.module()).isTrue();
      assertThat(pod.path("runAsUser").asText())
          .as(workload.module() + " runAsUser")
          .isEqualTo(user.group(1));
      JsonNode container = workload.container().path("securityContext");
      assertThat(container.path("readOnlyRootFilesystem").asBoolean())
          .as(workload.module())
          .isTrue();
      assertThat(container.path("allowPrivilegeEscalation").asBoolean(true))
          .as(workload.module())
          .isFalse();
      assertThat(workload.container().path("volumeMounts").findValuesAsText("mountPath"))
          .as(workload.module() + " writable /tmp")
          .contains("/tmp");
    }
  }

  // ================================================================= overlay: images, namespace,
  // bus TLS, autoscaling

  @Test
  @DisplayName(
      "the overlay puts everything in its namespace, pins the images, and mounts the bus TLS Secret in every pod")
  void overlayNamespacesImagesAndBusTls() throws Exception {
    List<JsonNode> overlay = kustomize("overlays/example");
    for (JsonNode object : overlay) {
      if (!object.path("kind").asText().equals("Namespace")) {
        assertThat(object.path("metadata").path("namespace").asText())
            .as(object.path("kind") + " " + object.path("metadata").path("name"))
            .isEqualTo("mesh");
      }
      assertThat(object.path("metadata").path("labels").path("app.kubernetes.io/part-of").asText())
          .as(object.path("kind") + " " + object.path("metadata").path("name") + " part-of label")
          .isEqualTo("mesh");
    }
    for (Workload workload : workloads(overlay)) {
      assertThat(workload.container().path("image").asText())
          .as(workload.module() + " image")
          .matches(".*/" + workload.module() + ":[\\w.-]+");
      JsonNode volume = null;
      for (JsonNode candidate : workload.podSpec().path("volumes")) {
        if (candidate.has("secret")) {
          volume = candidate;
        }
      }
      assertThat(volume).as(workload.module() + " bus TLS volume").isNotNull();
      assertThat(volume.path("secret").path("secretName").asText()).isEqualTo("mesh-bus-tls");
      String mountPath = null;
      for (JsonNode mount : workload.container().path("volumeMounts")) {
        if (mount.path("name").asText().equals(volume.path("name").asText())) {
          mountPath = mount.path("mountPath").asText();
          assertThat(mount.path("readOnly").asBoolean()).isTrue();
        }
      }
      assertThat(mountPath).as(workload.module() + " bus TLS mount").isNotNull();
      for (String variable : List.of("MESH_BUS_TLS_CERT", "MESH_BUS_TLS_KEY", "MESH_BUS_TLS_CA")) {
        assertThat(workload.env().get(variable))
            .as(workload.module() + " " + variable)
            .startsWith(mountPath + "/")
            .matches(".*/(tls\\.crt|tls\\.key|ca\\.crt)");
      }
    }
  }

  @Test
  @DisplayName(
      "the HPA scales the edge on the adapter's connections-per-pod metric, derived from mesh_connections_active")
  void autoscalerScalesOnConnectionsPerPod() throws Exception {
    List<JsonNode> overlay = kustomize("overlays/example");
    JsonNode hpa =
        overlay.stream()
            .filter(o -> o.path("kind").asText().equals("HorizontalPodAutoscaler"))
            .findFirst()
            .orElseThrow();
    JsonNode target = hpa.path("spec").path("scaleTargetRef");
    JsonNode connection = deployment(overlay, "connection-service");
    assertThat(target.path("kind").asText()).isEqualTo("Deployment");
    assertThat(target.path("name").asText())
        .isEqualTo(connection.path("metadata").path("name").asText());
    JsonNode metric = hpa.path("spec").path("metrics").get(0);
    assertThat(metric.path("type").asText()).isEqualTo("Pods");
    String metricName = metric.path("pods").path("metric").path("name").asText();
    long average =
        new Quantity(metric.path("pods").path("target").path("averageValue").asText())
            .getNumericalAmount()
            .longValue();
    int maxConnections =
        ConnectionOptions.fromEnv(Env.of(workload(overlay, "connection-service").env()))
            .limits()
            .maxConnectionsPerNode();
    assertThat(average)
        .as("target per pod leaves room for a lost pod's connections")
        .isPositive()
        .isLessThanOrEqualTo(maxConnections / 2);

    JsonNode rules =
        new YAMLMapper()
            .readTree(kubernetes.resolve("monitoring/prometheus-adapter-rules.yaml").toFile())
            .path("rules")
            .path("custom");
    JsonNode rule = null;
    for (JsonNode candidate : rules) {
      if (candidate.path("name").path("as").asText().equals(metricName)) {
        rule = candidate;
      }
    }
    assertThat(rule).as("an adapter rule serving " + metricName).isNotNull();
    assertThat(PromQl.metricNames(rule.path("seriesQuery").asText()))
        .containsExactly("mesh_connections_active");
    assertThat(rule.path("name").path("matches").asText()).isEqualTo("^mesh_connections_active$");
    assertThat(
            Files.readString(
                root.resolve(
                    "connection-service/src/main/java/dev/mesh/connection/ops/ConnectionMetrics.java")))
        .as("connection-service registers the gauge the adapter reads")
        .contains("\"mesh_connections_active\"");
    assertThat(rule.path("resources").path("overrides").path("pod").path("resource").asText())
        .isEqualTo("pod");

    Path promtool = Tools.require("promtool", "apt-get install -y prometheus");
    String metricsQuery =
        rule.path("metricsQuery")
            .asText()
            .replace("<<.GroupBy>>", "namespace, pod")
            .replace("<<.Series>>", "mesh_connections_active")
            .replace("<<.LabelMatchers>>", "namespace=\"mesh\"");
    Path file = Files.createTempFile("mesh-adapter", ".yml");
    try {
      new YAMLMapper()
          .writeValue(
              file.toFile(),
              Map.of(
                  "groups",
                  List.of(
                      Map.of(
                          "name",
                          "adapter",
                          "rules",
                          List.of(Map.of("record", "adapter_query", "expr", metricsQuery))))));
      Tools.Result checked =
          Tools.run(root, List.of(promtool.toString(), "check", "rules", file.toString()));
      assertThat(checked.exit())
          .as("the adapter's metricsQuery parses:\n" + checked.output())
          .isZero();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  @Test
  @DisplayName(
      "the Kubernetes scrape job keeps the Mesh pods' ops port, names jobs as the alert rules expect, and passes promtool")
  void scrapeConfigFeedsTheAlerts() throws Exception {
    Path source = kubernetes.resolve("monitoring/prometheus-scrape.yaml");
    JsonNode config = new YAMLMapper().readTree(source.toFile());
    JsonNode job = config.path("scrape_configs").get(0);
    String jobRegex = null;
    String jobReplacement = null;
    for (JsonNode relabel : job.path("relabel_configs")) {
      if (relabel.path("target_label").asText().equals("job")) {
        jobRegex = relabel.path("regex").asText();
        jobReplacement = relabel.path("replacement").asText();
      }
    }
    assertThat(jobRegex).as("a relabeling that sets job").isNotNull();
    for (String module : DEFAULT_OPS_PORTS.keySet()) {
      Matcher matcher = Pattern.compile(jobRegex).matcher(module);
      assertThat(matcher.matches()).as(module + " matches " + jobRegex).isTrue();
      String jobName = jobReplacement.replace("$1", matcher.group(1));
      assertThat(jobName)
          .as("job of " + module + " is selected by the alert rules' up{job=~\"mesh-.*\"}")
          .matches("mesh-.*");
    }
    // Debian's promtool is built without Kubernetes service discovery: check the rest of the job
    // with a static target.
    Path promtool = Tools.require("promtool", "apt-get install -y prometheus");
    ObjectNode checkable = (ObjectNode) job.deepCopy();
    checkable.remove("kubernetes_sd_configs");
    checkable.putArray("static_configs").addObject().putArray("targets").add("10.244.3.7:9080");
    Path file = Files.createTempFile("mesh-scrape", ".yml");
    try {
      new YAMLMapper().writeValue(file.toFile(), Map.of("scrape_configs", List.of(checkable)));
      Tools.Result checked =
          Tools.run(root, List.of(promtool.toString(), "check", "config", file.toString()));
      assertThat(checked.exit()).as("promtool check config:\n" + checked.output()).isZero();
    } finally {
      Files.deleteIfExists(file);
    }
  }

  // ================================================================= README "Deploy on Kubernetes"

  @Test
  @DisplayName(
      "README's Deploy on Kubernetes steps: images, namespace, secrets and commands match the overlay; openssl and kubectl kustomize run")
  void readmeStepsMatchTheManifests() throws Exception {
    String readme = Files.readString(root.resolve("README.md"));
    int start = readme.indexOf("\n## Deploy on Kubernetes\n");
    assertThat(start).as("README has a \"Deploy on Kubernetes\" section").isNotNegative();
    int end = readme.indexOf("\n## ", start + 5);
    String section = readme.substring(start, end < 0 ? readme.length() : end);
    Matcher block = Pattern.compile("```sh\n(.*?)```", Pattern.DOTALL).matcher(section);
    assertThat(block.find()).as("the section's shell steps").isTrue();
    List<String> lines =
        block
            .group(1)
            .lines()
            .map(String::strip)
            .filter(l -> !l.isEmpty() && !l.startsWith("#"))
            .toList();

    Matcher paths = Pattern.compile("\\bdeploy/[\\w./-]+[\\w/]").matcher(section);
    while (paths.find()) {
      assertThat(root.resolve(paths.group())).as("path named in the section").exists();
    }

    List<JsonNode> overlay = kustomize("overlays/example");
    String namespace =
        deployment(overlay, "connection-service").path("metadata").path("namespace").asText();

    // 1. Images: the loop builds every module with the Dockerfile and tags it as the overlay pulls
    // it.
    Matcher loop = Pattern.compile("for (\\w+) in ([\\w\\s-]+); do").matcher(block.group(1));
    assertThat(loop.find()).as("a loop over the services").isTrue();
    List<String> services = List.of(loop.group(2).trim().split("\\s+"));
    assertThat(services).containsExactlyInAnyOrderElementsOf(DEFAULT_OPS_PORTS.keySet());
    String build =
        lines.stream().filter(l -> l.startsWith("docker build")).findFirst().orElseThrow();
    assertThat(build).contains("-f deploy/Dockerfile", "--build-arg SERVICE=$" + loop.group(1));
    Matcher tag = Pattern.compile("-t (\\S+)").matcher(build);
    assertThat(tag.find()).isTrue();
    for (String module : services) {
      assertThat(workload(overlay, module).container().path("image").asText())
          .as(module + " image in the overlay")
          .isEqualTo(tag.group(1).replace("$" + loop.group(1), module));
    }

    // 2. Namespace and secrets: exactly the ones the manifests refer to.
    assertThat(lines).contains("kubectl create namespace " + namespace);
    Set<String> created = new TreeSet<>();
    Pattern secret = Pattern.compile("kubectl -n (\\S+) create secret generic (\\S+) (.*)");
    Pattern key = Pattern.compile("--from-(?:literal|file)=([\\w.-]+)=");
    Map<String, String> files = new LinkedHashMap<>();
    for (String line : lines) {
      Matcher matcher = secret.matcher(line);
      if (matcher.matches()) {
        assertThat(matcher.group(1)).isEqualTo(namespace);
        Matcher keys = key.matcher(matcher.group(3));
        while (keys.find()) {
          created.add(matcher.group(2) + "/" + keys.group(1));
        }
        Matcher file = Pattern.compile("--from-file=([\\w.-]+)=(\\S+)").matcher(matcher.group(3));
        while (file.find()) {
          files.put(file.group(1), file.group(2));
        }
      }
    }
    Set<String> referenced = new TreeSet<>();
    for (Workload workload : workloads(overlay)) {
      for (JsonNode variable : workload.container().path("env")) {
        JsonNode ref = variable.path("valueFrom").path("secretKeyRef");
        if (!ref.isMissingNode()) {
          referenced.add(ref.path("name").asText() + "/" + ref.path("key").asText());
        }
      }
      for (JsonNode volume : workload.podSpec().path("volumes")) {
        if (volume.has("secret")) {
          String mount = null;
          for (JsonNode m : workload.container().path("volumeMounts")) {
            if (m.path("name").asText().equals(volume.path("name").asText())) {
              mount = m.path("mountPath").asText();
            }
          }
          for (String value : workload.env().values()) {
            if (mount != null && value.startsWith(mount + "/")) {
              referenced.add(
                  volume.path("secret").path("secretName").asText()
                      + "/"
                      + value.substring(mount.length() + 1));
            }
          }
        }
      }
    }
    assertThat(created)
        .as("secrets and keys README creates vs those the manifests use")
        .isEqualTo(referenced);

    // The openssl steps run, and give a certificate its CA verifies, under the names the secret is
    // made from.
    Path openssl = Tools.require("openssl", "apt-get install -y openssl");
    Path work = Files.createTempDirectory("mesh-bus-tls");
    try {
      for (String line : lines.stream().filter(l -> l.startsWith("openssl ")).toList()) {
        Tools.Result ran = Tools.run(work, List.of("bash", "-c", line));
        assertThat(ran.exit()).as(line + "\n" + ran.output()).isZero();
      }
      files
          .values()
          .forEach(f -> assertThat(work.resolve(f)).as("file the secret is made from").exists());
      Tools.Result verified =
          Tools.run(
              work,
              List.of(
                  openssl.toString(),
                  "verify",
                  "-CAfile",
                  files.get("ca.crt"),
                  files.get("tls.crt")));
      assertThat(verified.exit()).as("openssl verify:\n" + verified.output()).isZero();
    } finally {
      try (var walk = Files.walk(work)) {
        walk.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      }
    }

    // 3. Review and apply the same overlay; the review line runs here.
    String review =
        lines.stream().filter(l -> l.startsWith("kubectl kustomize ")).findFirst().orElseThrow();
    String overlayPath = review.substring("kubectl kustomize ".length());
    assertThat(lines).contains("kubectl apply -k " + overlayPath);
    Tools.Result rendered =
        Tools.run(
            root,
            List.of(
                Tools.optional("kubectl", "kubectl 1.27+ renders kustomize").toString(),
                "kustomize",
                overlayPath));
    assertThat(rendered.exit()).as(review + "\n" + rendered.output()).isZero();
    assertThat(documents(rendered.output())).hasSameSizeAs(overlay);

    // 4. The rollout waits for the Deployments there are; the pod listing selects every Mesh pod.
    String rollout =
        lines.stream().filter(l -> l.contains("rollout status")).findFirst().orElseThrow();
    Set<String> deployments = new TreeSet<>();
    Matcher named = Pattern.compile("deployment/(\\S+)").matcher(rollout);
    while (named.find()) {
      deployments.add(named.group(1));
    }
    assertThat(deployments)
        .isEqualTo(
            overlay.stream()
                .filter(o -> o.path("kind").asText().equals("Deployment"))
                .map(o -> o.path("metadata").path("name").asText())
                .collect(java.util.stream.Collectors.toSet()));
    String listing =
        lines.stream().filter(l -> l.contains("get pods -l ")).findFirst().orElseThrow();
    String[] label = listing.substring(listing.indexOf("-l ") + 3).trim().split("=", -1);
    for (Workload workload : workloads(overlay)) {
      assertThat(workload.podLabels()).containsEntry(label[0], label[1]);
    }
  }

  // ================================================================= helpers

  private static Map<String, JsonNode> byKindAndName(List<JsonNode> objects) {
    Map<String, JsonNode> map = new TreeMap<>();
    for (JsonNode object : objects) {
      String key =
          object.path("kind").asText() + "/" + object.path("metadata").path("name").asText();
      assertThat(map.put(key, object)).as("one " + key).isNull();
    }
    return map;
  }

  private static List<JsonNode> concat(List<JsonNode> a, List<JsonNode> b) {
    List<JsonNode> all = new ArrayList<>(a);
    all.addAll(b);
    return all;
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new LinkedHashMap<>();
    object.fields().forEachRemaining(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private static List<String> texts(JsonNode array) {
    List<String> values = new ArrayList<>();
    array.forEach(v -> values.add(v.asText()));
    return values;
  }

  /** A plain label map selector (a Service's) against labels. */
  private static boolean matches(Map<String, String> selector, Map<String, String> labels) {
    return !selector.isEmpty()
        && selector.entrySet().stream().allMatch(e -> e.getValue().equals(labels.get(e.getKey())));
  }

  /**
   * A LabelSelector (matchLabels and matchExpressions) against labels; an empty selector selects
   * everything.
   */
  private static boolean matches(JsonNode selector, Map<String, String> labels) {
    for (var entry : strings(selector.path("matchLabels")).entrySet()) {
      if (!entry.getValue().equals(labels.get(entry.getKey()))) {
        return false;
      }
    }
    for (JsonNode expression : selector.path("matchExpressions")) {
      String key = expression.path("key").asText();
      List<String> values = texts(expression.path("values"));
      boolean holds =
          switch (expression.path("operator").asText()) {
            case "In" -> labels.containsKey(key) && values.contains(labels.get(key));
            case "NotIn" -> !labels.containsKey(key) || !values.contains(labels.get(key));
            case "Exists" -> labels.containsKey(key);
            case "DoesNotExist" -> !labels.containsKey(key);
            default ->
                throw new AssertionError(
                    "unknown selector operator " + expression.path("operator"));
          };
      if (!holds) {
        return false;
      }
    }
    return true;
  }
}
