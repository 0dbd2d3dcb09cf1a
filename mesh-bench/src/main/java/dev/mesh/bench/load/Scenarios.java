package dev.mesh.bench.load;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/** The load scenarios by their command-line names. */
final class Scenarios {

  private static final Map<String, Supplier<Scenario>> ALL = new LinkedHashMap<>();

  static {
    ALL.put("idle", ConnectIdleScenario::new);
    ALL.put("connect", ConnectIdleScenario::new);
    ALL.put("broadcast", BroadcastScenario::new);
    ALL.put("compare", CompareScenario::new);
    ALL.put("crossnode", CrossNodeScenario::new);
    ALL.put("publish", PublishScenario::new);
    ALL.put("direct", DirectScenario::new);
    ALL.put("resume", ResumeScenario::new);
    ALL.put("storm", StormScenario::new);
    ALL.put("fanout", FanoutScenario::new);
  }

  private Scenarios() {}

  static List<String> names() {
    return List.copyOf(ALL.keySet());
  }

  static Scenario named(String name) {
    Supplier<Scenario> s = ALL.get(name);
    if (s == null) {
      throw new IllegalArgumentException("unknown scenario " + name + "; one of " + names());
    }
    return s.get();
  }
}
