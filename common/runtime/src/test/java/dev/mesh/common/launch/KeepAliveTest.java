package dev.mesh.common.launch;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

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

  @Test
  void theProcessOutlivesItsMainAndItsThreads() throws Exception {
    Process kept = start("keep");
    try {
      assertThat(kept.waitFor(3, TimeUnit.SECONDS))
          .as("the process with the keeper still runs 3 s after its main returned")
          .isFalse();
    } finally {
      kept.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    assertThat(kept.isAlive()).isFalse();
  }

  @Test
  void withoutTheKeeperTheSameProcessEndsAtOnce() throws Exception {
    // The control: what a rejoin window looked like before the keeper.
    Process bare = start("bare");
    try {
      assertThat(bare.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(bare.exitValue()).isZero();
    } finally {
      bare.destroyForcibly();
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
        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
        .start();
  }
}
