package dev.mesh.common.testing;

import dev.mesh.common.cluster.ClusterOptions;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Cluster options for tests: a cluster name of its own (so parallel or leftover members never
 * join), a port range on loopback that no live member holds, and the fastest failure detection
 * Hazelcast allows.
 */
public final class TestClusters {

  /** Port ranges of 100 from 10,000: below the ephemeral range (32768+), so no client holds one. */
  private static final int RANGES = 200;

  /** Members listed per cluster (a cluster of more still joins through these). */
  private static final int LISTED = 3;

  /**
   * The next range, in turn from a random start: a range is never handed out twice while the ones
   * after it are free, so a cluster that is still running (a mesh shared by a test class) is never
   * given to another test, which would then join nothing and form a cluster of its own.
   */
  private static final AtomicInteger NEXT_RANGE =
      new AtomicInteger(ThreadLocalRandom.current().nextInt(RANGES));

  private TestClusters() {}

  public static ClusterOptions fresh() {
    for (int tried = 0; tried < RANGES; tried++) {
      int portBase = 10_000 + Math.floorMod(NEXT_RANGE.getAndIncrement(), RANGES) * 100;
      if (free(portBase)) {
        return ClusterOptions.defaults()
            .withClusterName("test-" + UUID.randomUUID())
            .withPort(portBase)
            .withMembers(
                List.of(
                    "127.0.0.1:" + portBase,
                    "127.0.0.1:" + (portBase + 1),
                    "127.0.0.1:" + (portBase + 2)))
            .withFailureDetection(Duration.ofSeconds(1), Duration.ofSeconds(3));
      }
    }
    throw new IllegalStateException("no free port range for a test cluster on 127.0.0.1");
  }

  /** Whether no socket (of this JVM or another process) listens on the range's listed ports. */
  private static boolean free(int portBase) {
    for (int port = portBase; port < portBase + LISTED; port++) {
      try (ServerSocket probe = new ServerSocket()) {
        probe.setReuseAddress(false);
        probe.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }
}
