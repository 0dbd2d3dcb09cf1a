package dev.mesh.common.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A service process lives until it is told to stop, not until its last incidental thread ends: a
 * rejoin closes every Vert.x and Hazelcast thread for a moment (see {@link
 * ServiceLauncher#keepProcessAlive}).
 */
class KeepAliveTest {

  /** A process whose main returns with no other thread than the keeper. */
  public static final class MainThatReturns {
    public static void main(String[] args) {
      if (args.length > 0 && args[0].equals("keep")) {
        ServiceLauncher.keepProcessAlive();
      }
      System.out.println("main returned");
    }
  }

  /**
   * Fails when the keeper is a daemon thread or is not started: the process then ends as soon as
   * its main returns.
   */
  @Test
  @Timeout(60)
  void theProcessOutlivesItsMainUntilItIsToldToStop() throws Exception {
    Process kept = start("keep");
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(kept.getInputStream(), StandardCharsets.UTF_8))) {
      // Other lines (logback's status) may come first; the marker is printed last by main.
      String line;
      do {
        line = out.readLine();
      } while (line != null && !line.equals("main returned"));
      assertThat(line).as("the child's main ran to its end").isEqualTo("main returned");
      assertThat(kept.waitFor(2, TimeUnit.SECONDS))
          .as("the process with the keeper still runs 2 s after its main returned")
          .isFalse();
      kept.destroy(); // SIGTERM: how a supervisor tells a service to stop
      assertThat(kept.waitFor(30, TimeUnit.SECONDS))
          .as("the keeper does not hold a process that is told to stop")
          .isTrue();
    } finally {
      kept.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
  }

  private static Process start(String mode) throws Exception {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return new ProcessBuilder(
            java,
            "-cp",
            System.getProperty("java.class.path"),
            MainThatReturns.class.getName(),
            mode)
        .redirectErrorStream(true)
        .start();
  }
}
