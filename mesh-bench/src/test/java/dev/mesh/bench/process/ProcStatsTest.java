package dev.mesh.bench.process;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("CPU of a process's threads by name, from /proc")
class ProcStatsTest {

  @Test
  @DisplayName(
      "a thread that spins for a while is counted under its name, and only there; the JIT's threads are found")
  void threadsByName() throws Exception {
    long pid = ProcessHandle.current().pid();
    Spinner spinner = new Spinner("procstats-spinner");
    try {
      spinner.awaitSpun();
      double spinnerCpu = ProcStats.threadCpuSeconds(pid, "procstats-spin");
      assertThat(spinnerCpu).as("CPU of the spinning thread").isGreaterThanOrEqualTo(0.3);
      assertThat(spinnerCpu).isLessThanOrEqualTo(ProcStats.cpuSeconds(pid));
      assertThat(ProcStats.threadCpuSeconds(pid, "no-such-thread")).isZero();
      // This JVM has compiled something by now.
      assertThat(ProcStats.jitCpuSeconds(pid)).isPositive();
      assertThat(ProcStats.gcCpuSeconds(pid)).isGreaterThanOrEqualTo(0);
      assertThat(ProcStats.threadCpuSeconds(Long.MAX_VALUE, "main")).isEqualTo(-1);
    } finally {
      spinner.close();
    }
  }

  @Test
  @DisplayName(
      "CPU by kind of thread: a spinning thread named as Hazelcast names its threads is counted as hazelcast, user and system apart")
  void threadsByKind() throws Exception {
    long pid = ProcessHandle.current().pid();
    assertThat(ProcStats.kindOf("vert.x-eventloo")).isEqualTo("eventLoop");
    assertThat(ProcStats.kindOf("C2 CompilerThre")).isEqualTo("jit");
    assertThat(ProcStats.kindOf("main")).isEqualTo("other");
    double before = hazelcastCpu(ProcStats.cpuByThreadKind(pid));
    try (Spinner spinner = new Spinner("hz.procstats.spinner")) {
      spinner.awaitSpun();
      var byKind = ProcStats.cpuByThreadKind(pid);
      assertThat(byKind)
          .containsOnlyKeys("eventLoop", "acceptor", "worker", "hazelcast", "jit", "gc", "other");
      assertThat(hazelcastCpu(byKind) - before).as("the spinner's CPU").isGreaterThanOrEqualTo(0.3);
      double sum = byKind.values().stream().mapToDouble(cpu -> cpu[0] + cpu[1]).sum();
      // Every thread alive is counted once; rounding of the process's own figure aside.
      assertThat(sum).isLessThanOrEqualTo(ProcStats.cpuSeconds(pid) + 0.05);
    }
    assertThat(ProcStats.cpuByThreadKind(Long.MAX_VALUE)).isEmpty();
  }

  private static double hazelcastCpu(java.util.Map<String, double[]> byKind) {
    double[] cpu = byKind.get("hazelcast");
    return cpu[0] + cpu[1];
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
                // Until the thread itself has used 0.4 CPU s, however busy the machine is.
                var threads = java.lang.management.ManagementFactory.getThreadMXBean();
                long x = 0;
                while (threads.getCurrentThreadCpuTime() < TimeUnit.MILLISECONDS.toNanos(400)) {
                  x += System.nanoTime() % 7;
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
