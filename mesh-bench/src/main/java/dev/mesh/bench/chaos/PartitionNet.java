package dev.mesh.bench.chaos;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two network namespaces, sides A and B, on a bridge of this host: {@code 10.214.S.2} (A), {@code
 * 10.214.S.3} (B), and this host at {@code 10.214.S.1} (where pages connect from) and {@code
 * 10.214.S.4} (where the cluster observer binds). Services of a side run inside its namespace, so
 * every packet between the sides crosses the bridge; {@link #cut()} drops, inside each namespace,
 * every packet to and from the other side (and side A's traffic with the observer, which stands
 * with side B), without a FIN or RST: a real network partition between members, while pages still
 * reach both sides. {@link #heal()} removes the rules. Needs root, {@code ip} and {@code iptables}.
 */
final class PartitionNet implements AutoCloseable {

  private final String id = Long.toString(System.nanoTime() % 1_000_000, 36);
  private final int subnet = ThreadLocalRandom.current().nextInt(1, 250);
  private final String bridge = "mbb" + id;
  private final String nsA = "mba" + id;
  private final String nsB = "mbz" + id;

  private PartitionNet() {}

  static PartitionNet create() throws IOException, InterruptedException {
    PartitionNet net = new PartitionNet();
    try {
      run("ip", "link", "add", net.bridge, "type", "bridge");
      run("ip", "addr", "add", net.host() + "/24", "dev", net.bridge);
      run("ip", "addr", "add", net.observer() + "/24", "dev", net.bridge);
      run("ip", "link", "set", net.bridge, "up");
      net.side(net.nsA, net.sideA());
      net.side(net.nsB, net.sideB());
      return net;
    } catch (IOException | RuntimeException e) {
      net.close();
      throw e;
    }
  }

  private void side(String ns, String address) throws IOException, InterruptedException {
    run("ip", "netns", "add", ns);
    run("ip", "link", "add", ns + "h", "type", "veth", "peer", "name", ns + "c");
    run("ip", "link", "set", ns + "c", "netns", ns);
    run("ip", "link", "set", ns + "h", "master", bridge);
    run("ip", "link", "set", ns + "h", "up");
    run("ip", "netns", "exec", ns, "ip", "addr", "add", address + "/24", "dev", ns + "c");
    run("ip", "netns", "exec", ns, "ip", "link", "set", ns + "c", "up");
    run("ip", "netns", "exec", ns, "ip", "link", "set", "lo", "up");
  }

  String host() {
    return "10.214." + subnet + ".1";
  }

  String sideA() {
    return "10.214." + subnet + ".2";
  }

  String sideB() {
    return "10.214." + subnet + ".3";
  }

  String observer() {
    return "10.214." + subnet + ".4";
  }

  /** A command line that runs {@code command} on side A (true) or B (false). */
  List<String> exec(boolean onA) {
    return new ArrayList<>(List.of("ip", "netns", "exec", onA ? nsA : nsB));
  }

  /** Cuts A from B and from the observer, silently. */
  void cut() throws IOException, InterruptedException {
    for (String peer : List.of(sideB(), observer())) {
      run("ip", "netns", "exec", nsA, "iptables", "-A", "INPUT", "-s", peer, "-j", "DROP");
      run("ip", "netns", "exec", nsA, "iptables", "-A", "OUTPUT", "-d", peer, "-j", "DROP");
    }
    run("ip", "netns", "exec", nsB, "iptables", "-A", "INPUT", "-s", sideA(), "-j", "DROP");
    run("ip", "netns", "exec", nsB, "iptables", "-A", "OUTPUT", "-d", sideA(), "-j", "DROP");
  }

  void heal() throws IOException, InterruptedException {
    run("ip", "netns", "exec", nsA, "iptables", "-F");
    run("ip", "netns", "exec", nsB, "iptables", "-F");
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    if (!process.waitFor(10, TimeUnit.SECONDS) || process.exitValue() != 0) {
      String output = new String(process.getInputStream().readAllBytes(), UTF_8);
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output.strip());
    }
  }

  @Override
  public void close() {
    for (List<String> command :
        List.of(
            List.of("ip", "netns", "del", nsA),
            List.of("ip", "netns", "del", nsB),
            List.of("ip", "link", "del", bridge))) {
      try {
        new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
      } catch (IOException e) {
        // nothing more to clean
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
