package dev.mesh.bench.load;

import io.vertx.core.json.JsonObject;
import java.lang.management.ManagementFactory;
import java.util.Locale;

/**
 * What this machine is, for every result file: figures are only comparable on the same machine and
 * load.
 */
final class Machine {

  private Machine() {}

  static JsonObject describe() {
    Runtime rt = Runtime.getRuntime();
    var os =
        (com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean();
    return new JsonObject()
        .put("cores", rt.availableProcessors())
        .put("memoryGiB", LoadContext.round(os.getTotalMemorySize() / 1073741824.0))
        .put("os", System.getProperty("os.name") + " " + System.getProperty("os.version"))
        .put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.version"))
        .put("vertx", "5.0.10")
        .put("hazelcast", "5.3.8")
        .put("serverJvmFlags", String.join(" ", Target.JVM_FLAGS))
        .put("loadAverage", loadAverage())
        .put("openFilesPerProcess", openFilesLimit())
        .put(
            "note",
            String.format(
                Locale.ROOT,
                "generator and servers share the machine's %d cores",
                rt.availableProcessors()));
  }

  /**
   * Open files a process may hold here (the soft limit of this process, which the servers inherit),
   * or {@code Long.MAX_VALUE} when unknown.
   */
  static long openFilesLimit() {
    try {
      for (String line :
          java.nio.file.Files.readAllLines(java.nio.file.Path.of("/proc/self/limits"))) {
        if (line.startsWith("Max open files")) {
          String soft = line.substring("Max open files".length()).trim().split("\\s+", -1)[0];
          return soft.equals("unlimited") ? Long.MAX_VALUE : Long.parseLong(soft);
        }
      }
    } catch (java.io.IOException | RuntimeException e) {
      // unknown: no check
    }
    return Long.MAX_VALUE;
  }

  /** The one-minute load average now. */
  static double loadAverage() {
    return LoadContext.round(ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
  }
}
