package dev.mesh.bench.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CPU of a process's threads by name, from /proc")
class ProcStatsTest {

  @Test
  @DisplayName(
      "CPU by kind of thread: a spinning thread named as Hazelcast names its threads is counted as hazelcast, in user time")
  void threadsByKind() throws Exception {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStats.kindOf("vert.x-eventloo")).isEqualTo("eventLoop");
    assertThat(ProcStats.kindOf("C2 CompilerThre")).isEqualTo("jit");
    assertThat(ProcStats.kindOf("main")).isEqualTo("other");
    var before = ProcStats.threadCpu(pid);
    try (Spinner spinner = new Spinner("hz.procstats.spinner")) {
      spinner.awaitSpun();
      var after = ProcStats.threadCpu(pid);
      Map<String, double[]> byKind = ProcStats.byKindBetween(before, after);
      assertThat(byKind.keySet()).containsExactlyElementsOf(ProcStats.KINDS);
      // The spinner computes, it makes no system calls but a clock read now and then.
      assertThat(byKind.get("hazelcast")[0])
          .as("the spinner's user CPU")
          .isGreaterThanOrEqualTo(0.2);
      assertThat(byKind.get("other")[0] + byKind.get("other")[1])
          .as("the spinner is counted as hazelcast only")
          .isLessThan(0.2);
      double sum = after.values().stream().mapToDouble(t -> t.user() + t.system()).sum();
      // Every thread alive is counted once; rounding of the process's own figure aside.
      assertThat(sum).isLessThanOrEqualTo(ProcStats.cpuSeconds(pid) + 0.05);
      // This JVM has compiled something by now: its compiler threads are found by name.
      double[] jitSoFar = ProcStats.byKindBetween(Map.of(), after).get("jit");
      assertThat(jitSoFar[0] + jitSoFar[1]).isPositive();
    }
    assertThat(ProcStats.threadCpu(Long.MAX_VALUE)).isEmpty();
  }

  @Test
  @DisplayName(
      "between two snapshots each thread counts from its own figure: a new one from 0, an ended one is left out, never subtracted")
  void byKindBetweenSnapshots() {
    var before =
        Map.of(
            "1/10", new ProcStats.ThreadCpu("eventLoop", 1.0, 0.5),
            "1/11", new ProcStats.ThreadCpu("jit", 4.0, 0.1),
            "1/12", new ProcStats.ThreadCpu("hazelcast", 2.0, 1.0));
    var after =
        Map.of(
            "1/10", new ProcStats.ThreadCpu("eventLoop", 1.5, 0.75),
            // 1/11 ended (a compiler thread the JVM stopped); 1/13 started
            "1/12", new ProcStats.ThreadCpu("hazelcast", 2.0, 1.25),
            "1/13", new ProcStats.ThreadCpu("hazelcast", 0.25, 0.0));
    Map<String, double[]> byKind = ProcStats.byKindBetween(before, after);
    assertThat(byKind.get("eventLoop")).containsExactly(0.5, 0.25);
    assertThat(byKind.get("hazelcast")).containsExactly(0.25, 0.25);
    assertThat(byKind.get("jit")).containsExactly(0.0, 0.0);
    assertThat(byKind.get("other")).containsExactly(0.0, 0.0);
  }

  /** A thread that spins until it has used 0.4 CPU s, then stays alive until closed. */
  private static final class Spinner implements AutoCloseable {
    private final CountDownLatch spun = new CountDownLatch(1);
    private final CountDownLatch release = new CountDownLatch(1);
    private final Thread thread;

    Spinner(String name) {
      thread =
          new Thread(
              () -> {
                // Until the thread itself has used 0.4 CPU s, however busy the machine is; the
                // clock is read seldom, so that nearly all of it is user time.
                var threads = java.lang.management.ManagementFactory.getThreadMXBean();
                long x = 0;
                while (threads.getCurrentThreadCpuTime() < TimeUnit.MILLISECONDS.toNanos(400)) {
                  for (int i = 0; i < 1_000_000; i++) {
                    x += (x ^ i) % 7;
                  }
                }
                spun.countDown();
                try {
                  // Alive while measured: an ended thread leaves /proc/<pid>/task.
                  release.await();
                } catch (InterruptedException e) {
                  Thread.currentThread().interrupt();
                }
                if (x == 42) {
                  System.out.print("");
                }
              },
              name);
      thread.start();
    }

    void awaitSpun() throws InterruptedException {
      assertThat(spun.await(60, TimeUnit.SECONDS)).isTrue();
    }

    @Override
    public void close() throws InterruptedException {
      release.countDown();
      thread.join();
    }
  }
}
