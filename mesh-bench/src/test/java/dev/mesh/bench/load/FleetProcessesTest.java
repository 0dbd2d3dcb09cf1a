package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.bench.client.PageClient;
import dev.mesh.bench.process.MeshProcesses;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Fleet over forked generator processes: pages split, results merged, every fork gone after close")
class FleetProcessesTest {

  private static final Path LOGS = Path.of("target", "fleet-test-logs");

  @Test
  @DisplayName(
      "3 generators hold 60 pages of the raw server; 4 broadcasts reach all 60; close ends the forks")
  void splitAndMerge() throws Exception {
    List<Long> pids;
    try (Target.Raw raw = new Target.Raw(1);
        Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET, 3, LOGS)) {
      assertThat(fleet.processes()).isEqualTo(3);
      pids = fleet.generatorPids();
      assertThat(pids)
          .hasSize(3)
          .allMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
      fleet.create("fp", raw, 60, LoadContext.steady(), "bench:fleet");
      assertThat(fleet.start("fp", 30, Duration.ofSeconds(60))).isZero();
      assertThat(fleet.stats().getInteger("open")).isEqualTo(60);
      PageClient publisher = fleet.publisher("fpub", 0, raw.endpoints(), LoadContext.steady());
      LoadContext.await(publisher.start(), Duration.ofSeconds(20));
      fleet.mark();
      for (int i = 0; i < 4; i++) {
        LoadContext.await(
            publisher.publish("bench:fleet", LoadContext.payload(i)), Duration.ofSeconds(20));
      }
      assertThat(fleet.awaitDelivered(240, Duration.ofSeconds(30))).isTrue();
      assertThat(fleet.latencies()).hasSize(240).isSorted();
      Map<Integer, long[]> spread = fleet.spread();
      assertThat(spread).containsOnlyKeys(0, 1, 2, 3);
      spread.values().forEach(s -> assertThat(s[0]).isEqualTo(60));
      // Users are numbered across the processes: the last page of the last fork is user 59.
      assertThat(fleet.userId("fp", 59)).endsWith("-59");
    }
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false))
          .as("generator " + pid)
          .isFalse();
    }
  }

  @Test
  @DisplayName(
      "a generator that dies fails the next command with its exit and log, and close still ends the others")
  void deadGenerator() throws Exception {
    List<Long> pids;
    try (Fleet fleet = new Fleet(MeshProcesses.JWT_SECRET, 2, LOGS)) {
      pids = fleet.generatorPids();
      ProcessHandle second = ProcessHandle.of(pids.get(1)).orElseThrow();
      second.destroyForcibly();
      second.onExit().get();
      assertThatThrownBy(fleet::stats)
          .hasMessageContaining("generator 1")
          .hasMessageContaining("exited")
          .hasMessageContaining("generator-1.log");
    }
    for (long pid : pids) {
      assertThat(ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
    }
  }
}
