package dev.mesh.bench.architecture;

import static com.tngtech.archunit.lang.syntax.ArchRuleDefinition.noClasses;
import static com.tngtech.archunit.library.dependencies.SlicesRuleDefinition.slices;
import static org.assertj.core.api.Assertions.assertThat;

import com.tngtech.archunit.base.DescribedPredicate;
import com.tngtech.archunit.core.domain.JavaClass;
import com.tngtech.archunit.core.domain.JavaClasses;
import com.tngtech.archunit.core.importer.ClassFileImporter;
import com.tngtech.archunit.core.importer.ImportOption;
import com.tngtech.archunit.lang.ArchRule;
import dev.mesh.common.client.MeshBus;
import dev.mesh.common.launch.ServiceLauncher;
import dev.mesh.common.registry.Registry;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The layering of docs/ARCHITECTURE.md §2, checked on the compiled main classes of each module: the
 * contract ({@code common/api}) depends on no other Mesh module; cluster state and runtime depend
 * on the contract only; a service depends on the shared modules and never on another service; and
 * no module has a cycle between its packages, apart from the known debts listed in {@link
 * #KNOWN_CYCLE_DEBTS}.
 */
@DisplayName("Architecture: module layering and package cycles")
class LayeringTest {

  private static final String API = "common/api";
  private static final String CLUSTER_STATE = "common/cluster-state";
  private static final String RUNTIME = "common/runtime";
  private static final List<String> SERVICES =
      List.of("connection-service", "presence-service", "replay-service");

  /**
   * Dependencies that still close package cycles, by the class they point at (ARCHITECTURE.md
   * §9.1): subpackages reach the root packages' options, which also hold the wiring that imports
   * those subpackages. Every cycle not made of these fails the test; remove an entry when its debt
   * is paid. connection-service has none left: not one of its packages may be in a cycle.
   */
  private static final Set<String> KNOWN_CYCLE_DEBTS =
      Set.of(
          "dev.mesh.presence.PresenceOptions",
          "dev.mesh.replay.ChannelRules",
          "dev.mesh.replay.ReplayMetrics");

  /** connection-service's root package: its entry, options and the wiring of every part. */
  private static final String CONNECTION_ROOT = "dev.mesh.connection";

  /** connection-service's edge: sessions, frames, subscriptions, outbound delivery, lifecycle. */
  private static final String EDGE_PACKAGE = "dev.mesh.connection.edge";

  /** One event loop's parts, built and wired: only EdgeNode and the wiring may name it. */
  private static final String EDGE_CLASS = EDGE_PACKAGE + ".Edge";

  /** What the loops share: it keeps the list of loops, so it names Edge. */
  private static final String EDGE_NODE_CLASS = EDGE_PACKAGE + ".EdgeNode";

  /**
   * connection-service's packages that act on the edge (they are handed a role of an Edge, or the
   * EdgeNode).
   */
  private static final String[] DRIVERS_OF_THE_EDGE = {
    "dev.mesh.connection.http..",
    "dev.mesh.connection.heartbeat..",
    "dev.mesh.connection.membership..",
    "dev.mesh.connection.routing..",
    "dev.mesh.connection.serverapi.."
  };

  /** Each module's own main classes. */
  private static final Map<String, JavaClasses> MODULES = new LinkedHashMap<>();

  @BeforeAll
  static void importModules() {
    // The common modules share package names, so each is read from its own jar or classes
    // directory; a service's
    // artifact is its fat jar (with common inside), so a service is read by its own root package
    // instead.
    MODULES.put(API, fromLocationOf(MeshBus.class));
    MODULES.put(CLUSTER_STATE, fromLocationOf(Registry.class));
    MODULES.put(RUNTIME, fromLocationOf(ServiceLauncher.class));
    ClassFileImporter importer =
        new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
    MODULES.put("connection-service", importer.importPackages("dev.mesh.connection"));
    MODULES.put("presence-service", importer.importPackages("dev.mesh.presence"));
    MODULES.put("replay-service", importer.importPackages("dev.mesh.replay"));
    MODULES.forEach(
        (module, classes) -> assertThat(classes).as(module + "'s classes").isNotEmpty());
  }

  @Test
  @DisplayName("the contract (common/api) depends on no other Mesh module")
  void contractDependsOnNothingElse() {
    noClasses()
        .should()
        .dependOnClassesThat(
            belongTo(
                CLUSTER_STATE, RUNTIME, "connection-service", "presence-service", "replay-service"))
        .check(MODULES.get(API));
  }

  @Test
  @DisplayName(
      "cluster state and runtime depend on the contract only, not on each other nor on a service")
  void sharedModulesDependOnTheContractOnly() {
    noClasses()
        .should()
        .dependOnClassesThat(
            belongTo(RUNTIME, "connection-service", "presence-service", "replay-service"))
        .check(MODULES.get(CLUSTER_STATE));
    noClasses()
        .should()
        .dependOnClassesThat(
            belongTo(CLUSTER_STATE, "connection-service", "presence-service", "replay-service"))
        .check(MODULES.get(RUNTIME));
  }

  @Test
  @DisplayName("a service depends on the shared modules only, never on another service")
  void noServiceDependsOnAnother() {
    for (String service : SERVICES) {
      String[] others = SERVICES.stream().filter(s -> !s.equals(service)).toArray(String[]::new);
      noClasses().should().dependOnClassesThat(belongTo(others)).check(MODULES.get(service));
    }
  }

  @Test
  @DisplayName("no module has a cycle between its packages (known debts aside)")
  void noPackageCycles() {
    for (Map.Entry<String, JavaClasses> module : MODULES.entrySet()) {
      ArchRule rule =
          slices()
              .matching("dev.mesh.(**)")
              .namingSlices(module.getKey() + ": $1")
              .should()
              .beFreeOfCycles()
              .ignoreDependency(DescribedPredicate.alwaysTrue(), knownDebt());
      rule.check(module.getValue());
    }
  }

  @Test
  @DisplayName(
      "connection-service: only its root package wires the parts, and no part depends on the root")
  void connectionRootIsTheOnlyWiring() {
    noClasses()
        .that()
        .resideOutsideOfPackage(CONNECTION_ROOT)
        .should()
        .dependOnClassesThat()
        .resideInAPackage(CONNECTION_ROOT)
        .because("the parts get narrow options (EdgeOptions) and collaborators from the wiring")
        .check(MODULES.get("connection-service"));
  }

  @Test
  @DisplayName(
      "connection-service: the edge depends on none of the packages that act on it (it names small"
          + " interfaces such as ChannelSubscribers instead)")
  void edgeDependsNotOnItsDrivers() {
    noClasses()
        .that()
        .resideInAPackage(EDGE_PACKAGE)
        .should()
        .dependOnClassesThat()
        .resideInAnyPackage(DRIVERS_OF_THE_EDGE)
        .check(MODULES.get("connection-service"));
  }

  @Test
  @DisplayName(
      "connection-service: only the EdgeNode and the wiring hold a whole Edge; every other part,"
          + " inside the edge too, gets the narrow role or the collaborators it uses")
  void onlyTheEdgeNodeAndTheWiringHoldAnEdge() {
    noClasses()
        .that()
        .resideOutsideOfPackage(CONNECTION_ROOT)
        .and()
        .doNotHaveFullyQualifiedName(EDGE_CLASS)
        .and()
        .doNotHaveFullyQualifiedName(EDGE_NODE_CLASS)
        .should()
        .dependOnClassesThat()
        .haveFullyQualifiedName(EDGE_CLASS)
        .because("a part handed every collaborator of a loop reaches into all of them")
        .check(MODULES.get("connection-service"));
  }

  @Test
  @DisplayName(
      "every known cycle debt still names a class that exists (a paid debt is removed from the list)")
  void knownDebtsAreCurrent() {
    Set<String> all = new HashSet<>();
    MODULES.values().forEach(classes -> classes.forEach(c -> all.add(c.getName())));
    assertThat(all).containsAll(KNOWN_CYCLE_DEBTS);
  }

  private static DescribedPredicate<JavaClass> knownDebt() {
    return DescribedPredicate.describe(
        "a known cycle debt " + KNOWN_CYCLE_DEBTS,
        target -> KNOWN_CYCLE_DEBTS.contains(target.getName()));
  }

  /**
   * Classes of the named modules, by name (ArchUnit's stand-ins for classes outside a module carry
   * the same name).
   */
  private static DescribedPredicate<JavaClass> belongTo(String... modules) {
    Set<String> names = new HashSet<>();
    for (String module : modules) {
      MODULES.get(module).forEach(c -> names.add(c.getName()));
    }
    return DescribedPredicate.describe(
        "belong to " + String.join(", ", modules), target -> names.contains(target.getName()));
  }

  private static JavaClasses fromLocationOf(Class<?> marker) {
    try {
      Path location = Path.of(marker.getProtectionDomain().getCodeSource().getLocation().toURI());
      ClassFileImporter importer =
          new ClassFileImporter().withImportOption(ImportOption.Predefined.DO_NOT_INCLUDE_TESTS);
      // In `mvn verify` the reactor hands mesh-bench the modules' jars, not their classes
      // directories; importPath reads no classes from a jar file.
      if (location.toString().endsWith(".jar")) {
        try (java.util.jar.JarFile jar = new java.util.jar.JarFile(location.toFile())) {
          return importer.importJar(jar);
        }
      }
      return importer.importPath(location);
    } catch (URISyntaxException | java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }
}
