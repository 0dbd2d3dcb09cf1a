package dev.mesh.common.testing;

import dev.mesh.common.cluster.ClusterOptions;
import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Cluster options for tests: a cluster name of its own (so parallel or leftover members never
 * join), a random port base on loopback, and the fastest failure detection Hazelcast allows.
 */
public final class TestClusters {

  private TestClusters() {}

  public static ClusterOptions fresh() {
    // Ports below the ephemeral range (32768+) so no client socket can already hold them.
    int portBase = 10_000 + ThreadLocalRandom.current().nextInt(0, 200) * 100;
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
