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
    CountDownLatch spun = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Thread spinner =
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
            "procstats-spinner");
    spinner.start();
    try {
      assertThat(spun.await(60, TimeUnit.SECONDS)).isTrue();
      double spinnerCpu = ProcStats.threadCpuSeconds(pid, "procstats-spin");
      assertThat(spinnerCpu).as("CPU of the spinning thread").isGreaterThanOrEqualTo(0.3);
      assertThat(spinnerCpu).isLessThanOrEqualTo(ProcStats.cpuSeconds(pid));
      assertThat(ProcStats.threadCpuSeconds(pid, "no-such-thread")).isZero();
      // This JVM has compiled something by now.
      assertThat(ProcStats.jitCpuSeconds(pid)).isPositive();
      assertThat(ProcStats.gcCpuSeconds(pid)).isGreaterThanOrEqualTo(0);
      assertThat(ProcStats.threadCpuSeconds(Long.MAX_VALUE, "main")).isEqualTo(-1);
    } finally {
      release.countDown();
      spinner.join();
    }
  }
}
