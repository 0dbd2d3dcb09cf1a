package dev.mesh.bench.deploy;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import dev.mesh.bench.process.MeshProcesses;
import dev.mesh.bench.process.ServiceKind;
import dev.mesh.bench.process.ServiceProcess;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * Checks the dashboard (deploy/grafana), the alert rules (deploy/prometheus/rules) and their wiring
 * in docker-compose.yml: every expression parses ({@code promtool}), the alerts behave as their
 * unit tests say ({@code promtool test rules}), and every metric they name is one the three
 * services really expose, read from their {@code /metrics} while they run as separate processes.
 */
@DisplayName("The dashboard and alert rules")
class ObservabilityFilesTest {

  /** Series Prometheus itself provides: target health and the alerts' own state. */
  private static final Set<String> PROMETHEUS_SERIES = Set.of("up", "ALERTS");

  private static final Pattern SERIES =
      Pattern.compile("(?m)^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\\{|\\s)");

  private static Path root;
  private static JsonNode compose;
  private static Path rulesDir;
  private static Map<String, JsonNode> alerts;
  private static JsonNode dashboard;

  /** Dashboard expressions, with Grafana's variables replaced, by "panel title / refId". */
  private static Map<String, String> dashboardQueries;

  /** Series names each service exposes on /metrics, by service. */
  private static Map<ServiceKind, Set<String>> exposed;

  private static MeshProcesses mesh;

  @BeforeAll
  static void readFilesAndScrape() throws IOException {
    root =
        Path.of(Objects.requireNonNull(System.getProperty("mesh.repo.root"), "mesh.repo.root"))
            .toRealPath();
    compose = new YAMLMapper().readTree(root.resolve("docker-compose.yml").toFile());
    rulesDir = root.resolve("deploy/prometheus/rules");
    alerts = new LinkedHashMap<>();
    try (Stream<Path> files = Files.list(rulesDir)) {
      for (Path file : files.filter(f -> f.toString().endsWith(".yml")).sorted().toList()) {
        for (JsonNode group : new YAMLMapper().readTree(file.toFile()).path("groups")) {
          for (JsonNode rule : group.path("rules")) {
            assertThat(alerts.put(rule.path("alert").asText(), rule))
                .as("alert names are unique")
                .isNull();
          }
        }
      }
    }
    dashboard =
        new ObjectMapper().readTree(root.resolve("deploy/grafana/dashboards/mesh.json").toFile());
    dashboardQueries = new TreeMap<>();
    for (JsonNode panel : panels(dashboard)) {
      for (JsonNode target : panel.path("targets")) {
        dashboardQueries.put(
            panel.path("title").asText() + " / " + target.path("refId").asText(),
            PromQl.fromGrafana(target.path("expr").asText()));
      }
    }
    for (JsonNode annotation : dashboard.path("annotations").path("list")) {
      if (annotation.has("expr")) {
        dashboardQueries.put(
            "annotation " + annotation.path("name").asText(),
            PromQl.fromGrafana(annotation.path("expr").asText()));
      }
    }

    mesh =
        new MeshProcesses(
            root, Path.of("target", "e2e-logs", "observability-" + System.nanoTime()));
    Map<ServiceKind, ServiceProcess> processes = new LinkedHashMap<>();
    for (ServiceKind kind : ServiceKind.values()) {
      processes.put(kind, mesh.start(kind, kind.module()));
    }
    mesh.awaitReady(Duration.ofMinutes(2), processes.values().toArray(ServiceProcess[]::new));
    exposed = new TreeMap<>();
    for (var entry : processes.entrySet()) {
      String text = entry.getValue().getOps("/metrics").orElseThrow().body();
      Set<String> names = new TreeSet<>();
      Matcher matcher = SERIES.matcher(text);
      while (matcher.find()) {
        names.add(matcher.group(1));
      }
      exposed.put(entry.getKey(), names);
    }
  }

  @AfterAll
  static void stop() {
    if (mesh != null) {
      mesh.close();
    }
  }

  private static List<JsonNode> panels(JsonNode dashboard) {
    List<JsonNode> all = new ArrayList<>();
    for (JsonNode panel : dashboard.path("panels")) {
      all.add(panel);
      panel.path("panels").forEach(all::add);
    }
    return all;
  }

  private static Set<String> allExposed() {
    Set<String> all = new TreeSet<>(PROMETHEUS_SERIES);
    exposed.values().forEach(all::addAll);
    return all;
  }

  // ---------------------------------------------------------------- metric names

  @Test
  @DisplayName(
      "the metric-name extraction finds series and skips functions, labels, groupings and durations")
  void extractionFindsSeries() {
    assertThat(
            PromQl.metricNames(
                "histogram_quantile(0.99, sum by (instance, le) "
                    + "(rate(mesh_event_loop_delay_seconds_bucket{instance=~\".*\"}[5m]))) > 0.1 and on() up == 1"))
        .containsExactly("mesh_event_loop_delay_seconds_bucket", "up");
    assertThat(
            PromQl.metricNames(
                "sum(rate(a_total[15m])) / (sum(rate(a_total[15m])) + sum(rate(b_total[15m]))) "
                    + "> 1e-9 unless min(c) < count(up{job=~\"mesh-.*\"} == 1)"))
        .containsExactly("a_total", "b_total", "c", "up");
  }

  @Test
  @DisplayName("each service exposes the meters common/ops adds to all of them")
  void everyServiceExposesTheRuntimeMeters() {
    for (ServiceKind kind : ServiceKind.values()) {
      assertThat(exposed.get(kind))
          .as(kind.module() + " /metrics")
          .contains(
              "mesh_event_loop_delay_seconds_bucket",
              "mesh_event_loop_delay_seconds_max",
              "mesh_cluster_members",
              "mesh_cluster_data_members",
              "mesh_cluster_partitions_safe",
              "mesh_process_resident_memory_bytes");
    }
  }

  @Test
  @DisplayName(
      "every series an alert rule reads is exposed by a running service (or is Prometheus' own)")
  void alertRulesNameExposedSeries() {
    Set<String> available = allExposed();
    alerts.forEach(
        (name, rule) ->
            assertThat(PromQl.metricNames(rule.path("expr").asText()))
                .as("alert " + name + " reads")
                .isNotEmpty()
                .isSubsetOf(available));
  }

  @Test
  @DisplayName(
      "every series a dashboard query reads is exposed by a running service (or is Prometheus' own)")
  void dashboardQueriesNameExposedSeries() {
    Set<String> available = allExposed();
    assertThat(dashboardQueries).isNotEmpty();
    dashboardQueries.forEach(
        (panel, expr) ->
            assertThat(PromQl.metricNames(expr))
                .as(panel + " reads")
                .isNotEmpty()
                .isSubsetOf(available));
    JsonNode variable = dashboard.path("templating").path("list").get(0);
    Matcher labelValues =
        Pattern.compile("label_values\\((\\w+),\\s*(\\w+)\\)")
            .matcher(variable.path("query").path("query").asText());
    assertThat(labelValues.matches())
        .as("the instance variable lists label_values(metric, label)")
        .isTrue();
    assertThat(available).contains(labelValues.group(1));
  }

  // ---------------------------------------------------------------- what they cover

  @Test
  @DisplayName(
      "the dashboard shows connections, connects and closes, zombies, ghosts, resume, presence flaps, latency, event-loop delay and partition safety")
  void dashboardCoversTheIssue() {
    Set<String> read = new TreeSet<>();
    dashboardQueries.values().forEach(q -> read.addAll(PromQl.metricNames(q)));
    assertThat(read)
        .contains(
            "mesh_connections_active",
            "mesh_connections_opened_total",
            "mesh_connections_closed_total",
            "mesh_connections_refused_total",
            "mesh_zombies_terminated_total",
            "mesh_registry_ghosts",
            "mesh_replay_replays_served_total",
            "mesh_replay_resets_total",
            "mesh_presence_flaps_avoided_total",
            "mesh_replay_publish_latency_seconds_bucket",
            "mesh_delivery_latency_seconds_bucket",
            "mesh_event_loop_delay_seconds_bucket",
            "mesh_cluster_partitions_safe");
  }

  @Test
  @DisplayName(
      "every alert has a severity, a summary and a description, waits (for:) before firing, and the set covers the same ground")
  void alertsAreActionable() {
    Set<String> read = new HashSet<>();
    alerts.forEach(
        (name, rule) -> {
          assertThat(name).as("alert name").startsWith("Mesh");
          assertThat(rule.path("labels").path("severity").asText())
              .as(name + " severity")
              .isIn("warning", "critical");
          assertThat(rule.path("annotations").path("summary").asText())
              .as(name + " summary")
              .isNotBlank();
          assertThat(rule.path("annotations").path("description").asText())
              .as(name + " description")
              .isNotBlank();
          assertThat(rule.path("for").asText()).as(name + " for:").matches("\\d+[smh]");
          read.addAll(PromQl.metricNames(rule.path("expr").asText()));
        });
    assertThat(read)
        .contains(
            "mesh_cluster_members",
            "mesh_cluster_partitions_safe",
            "mesh_event_loop_delay_seconds_bucket",
            "mesh_event_loop_delay_seconds_max",
            "mesh_registry_ghosts",
            "mesh_zombies_terminated_total",
            "mesh_replay_resets_total",
            "mesh_presence_users_reconnecting",
            "mesh_replay_publish_latency_seconds_bucket",
            "mesh_connections_refused_total");
  }

  @Test
  @DisplayName("each dashboard panel has a unique id, a title and the provisioned datasource")
  void dashboardPanelsAreWellFormed() throws IOException {
    JsonNode datasources =
        new YAMLMapper()
            .readTree(
                root.resolve("deploy/grafana/provisioning/datasources/mesh-prometheus.yml")
                    .toFile())
            .path("datasources");
    assertThat(datasources).hasSize(1);
    String uid = datasources.get(0).path("uid").asText();
    Set<Integer> ids = new HashSet<>();
    for (JsonNode panel : panels(dashboard)) {
      assertThat(ids.add(panel.path("id").asInt())).as("panel id " + panel.path("id")).isTrue();
      assertThat(panel.path("title").asText()).isNotBlank();
      if (!panel.path("type").asText().equals("row")) {
        assertThat(panel.path("datasource").path("uid").asText())
            .as(panel.path("title") + " datasource")
            .isEqualTo(uid);
        assertThat(panel.path("targets").size()).as(panel.path("title") + " queries").isPositive();
        assertThat(panel.path("gridPos").path("w").asInt()).isBetween(1, 24);
      }
    }
    assertThat(dashboard.path("uid").asText()).isNotBlank();
  }

  // ---------------------------------------------------------------- docker-compose wiring

  @Test
  @DisplayName(
      "compose mounts the rules where prometheus.yml loads them, and Grafana's provisioning where it reads it")
  void composeWiresRulesAndGrafana() throws IOException {
    JsonNode prometheusConfig =
        new YAMLMapper().readTree(root.resolve("deploy/prometheus/prometheus.yml").toFile());
    List<String> ruleFiles = new ArrayList<>();
    prometheusConfig.path("rule_files").forEach(f -> ruleFiles.add(f.asText()));
    assertThat(ruleFiles).containsExactly("rules/*.yml");
    Map<String, String> prometheusMounts = mounts(compose.path("services").path("prometheus"));
    assertThat(prometheusMounts)
        .containsEntry("./deploy/prometheus/prometheus.yml", "/etc/prometheus/prometheus.yml")
        .containsEntry("./deploy/prometheus/rules", "/etc/prometheus/rules");

    JsonNode grafana = compose.path("services").path("grafana");
    Map<String, String> grafanaMounts = mounts(grafana);
    assertThat(grafanaMounts)
        .containsEntry("./deploy/grafana/provisioning", "/etc/grafana/provisioning");
    JsonNode provider =
        new YAMLMapper()
            .readTree(root.resolve("deploy/grafana/provisioning/dashboards/mesh.yml").toFile())
            .path("providers")
            .get(0);
    String dashboardsPath = provider.path("options").path("path").asText();
    assertThat(grafanaMounts).containsEntry("./deploy/grafana/dashboards", dashboardsPath);
    assertThat(
            grafana.path("environment").path("GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH").asText())
        .isEqualTo(dashboardsPath + "/mesh.json");
    JsonNode datasource =
        new YAMLMapper()
            .readTree(
                root.resolve("deploy/grafana/provisioning/datasources/mesh-prometheus.yml")
                    .toFile())
            .path("datasources")
            .get(0);
    assertThat(datasource.path("url").asText())
        .as("Grafana reaches the compose Prometheus by its service name")
        .isEqualTo("http://prometheus:9090");
    assertThat(compose.path("services").path("grafana").path("ports").get(0).asText())
        .as("Grafana published on loopback only")
        .startsWith("127.0.0.1:");
  }

  private static Map<String, String> mounts(JsonNode service) {
    Map<String, String> mounts = new TreeMap<>();
    for (JsonNode volume : service.path("volumes")) {
      String[] parts = volume.asText().split(":", -1);
      mounts.put(parts[0], parts[1]);
    }
    return mounts;
  }

  // ---------------------------------------------------------------- promtool

  @Test
  @DisplayName(
      "promtool accepts prometheus.yml with its rules, and the alerts pass their unit tests")
  void promtoolChecksConfigRulesAndTests() throws Exception {
    Path promtool = Tools.require("promtool", "apt-get install -y prometheus");
    Tools.Result config =
        Tools.run(
            root,
            List.of(promtool.toString(), "check", "config", "deploy/prometheus/prometheus.yml"));
    assertThat(config.exit()).as("promtool check config:\n" + config.output()).isZero();
    assertThat(config.output()).contains("SUCCESS: " + alerts.size() + " rules found");

    List<String> test = new ArrayList<>(List.of(promtool.toString(), "test", "rules"));
    try (Stream<Path> files = Files.list(root.resolve("deploy/prometheus/tests"))) {
      files
          .filter(f -> f.toString().endsWith(".test.yml"))
          .sorted()
          .forEach(f -> test.add(root.relativize(f).toString()));
    }
    assertThat(test).hasSizeGreaterThan(3);
    Tools.Result tested = Tools.run(root, test);
    assertThat(tested.exit()).as("promtool test rules:\n" + tested.output()).isZero();
  }

  @Test
  @DisplayName("promtool parses every dashboard query (checked as recording rules)")
  void promtoolParsesDashboardQueries() throws Exception {
    Path promtool = Tools.require("promtool", "apt-get install -y prometheus");
    Map<String, Object> group = new LinkedHashMap<>();
    List<Map<String, String>> rules = new ArrayList<>();
    int index = 0;
    for (String expr : dashboardQueries.values()) {
      rules.add(Map.of("record", "dashboard_query_" + index++, "expr", expr));
    }
    group.put("name", "dashboard");
    group.put("rules", rules);
    Path file = Files.createTempFile("mesh-dashboard-queries", ".yml");
    try {
      new YAMLMapper().writeValue(file.toFile(), Map.of("groups", List.of(group)));
      Tools.Result checked =
          Tools.run(root, List.of(promtool.toString(), "check", "rules", file.toString()));
      assertThat(checked.exit())
          .as("promtool check rules on the dashboard's queries:\n" + checked.output())
          .isZero();
      assertThat(checked.output()).contains("SUCCESS: " + rules.size() + " rules found");
    } finally {
      Files.deleteIfExists(file);
    }
  }
}
