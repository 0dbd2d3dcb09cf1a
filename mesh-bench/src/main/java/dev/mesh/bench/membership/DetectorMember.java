package dev.mesh.bench.membership;

import com.hazelcast.map.IMap;
import dev.mesh.common.cluster.ClusterOptions;
import dev.mesh.common.cluster.FailureDetector;
import dev.mesh.common.cluster.MembershipChange;
import dev.mesh.common.cluster.MeshCluster;
import dev.mesh.common.cluster.MeshNode;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * One member of the failure-detector study, in its own JVM: a Mesh cluster node (Vert.x on
 * Hazelcast, configured as the services are) that writes a small value every 5 ms, so that
 * partition threads, the event loop and the garbage collector have work while the CPU is starved.
 * It prints one line per membership change the study reads: {@code MEMBER <JOINED|LEFT> <nodeId>
 * <epochMillis> <members>}, and exits when its standard input closes.
 *
 * <p>With {@code busy}, two more threads allocate and write without pause, as a service under load
 * does: the garbage collector then runs often, and its pauses stretch when the CPU is starved.
 *
 * <p>Arguments: clusterName portBase detector failureTimeoutSeconds liteMember [busy]
 */
public final class DetectorMember {

  private DetectorMember() {}

  public static void main(String[] args) throws Exception {
    String clusterName = args[0];
    int portBase = Integer.parseInt(args[1]);
    FailureDetector detector = FailureDetector.named(args[2]);
    Duration timeout = Duration.ofSeconds(Long.parseLong(args[3]));
    boolean lite = Boolean.parseBoolean(args[4]);
    ClusterOptions options =
        ClusterOptions.defaults()
            .withClusterName(clusterName)
            .withPort(portBase)
            .withMembers(
                List.of(
                    "127.0.0.1:" + portBase,
                    "127.0.0.1:" + (portBase + 1),
                    "127.0.0.1:" + (portBase + 2)))
            .withFailureDetection(Duration.ofSeconds(1), timeout)
            .withFailureDetector(detector)
            .withLiteMember(lite);
    MeshNode node =
        MeshCluster.start(options, null)
            .toCompletionStage()
            .toCompletableFuture()
            .get(2, TimeUnit.MINUTES);
    System.out.println("NODE " + node.nodeId());
    node.onMembershipChange(
        (MembershipChange change) ->
            System.out.println(
                "MEMBER "
                    + change.kind()
                    + " "
                    + change.nodeId()
                    + " "
                    + System.currentTimeMillis()
                    + " "
                    + change.members()));
    IMap<Integer, byte[]> map = node.hazelcast().getMap("study");
    byte[] value = new byte[1024];
    int[] key = {0};
    node.vertx().setPeriodic(5, t -> map.setAsync(key[0]++ % 10_000, value));
    if (args.length > 5 && args[5].equals("busy")) {
      for (int t = 0; t < 2; t++) {
        Thread worker =
            new Thread(
                () -> {
                  java.util.List<byte[]> retained = new java.util.ArrayList<>();
                  long n = 0;
                  while (true) {
                    retained.add(new byte[16 * 1024]);
                    if (retained.size() > 2_000) {
                      retained.subList(0, 1_000).clear();
                    }
                    if (++n % 64 == 0) {
                      map.set((int) (n % 10_000), value);
                    }
                  }
                },
                "busy-" + t);
        worker.setDaemon(true);
        worker.start();
      }
    }
    System.out.println("READY " + node.memberCount());
    System.out.flush();
    // The study closes our standard input to stop us (and so does its death).
    while (System.in.read() >= 0) {
      // ignore input
    }
    System.exit(0);
  }
}
