package dev.mesh.bench.chaos;

import static java.nio.charset.StandardCharsets.UTF_8;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A network namespace joined to this host by a veth pair ({@code 10.213.N.1} here, {@code
 * 10.213.N.2} inside): a client in it is a separate host, and {@code iptables -j DROP} inside cuts
 * its link silently, leaving a real half-open TCP connection on both ends. Needs root, {@code ip}
 * and {@code iptables}.
 */
final class NetNamespace implements AutoCloseable {

  private final String name;
  private final String hostVeth;
  private final String hostAddress;
  private final String innerAddress;

  private NetNamespace(String name, int subnet) {
    this.name = name;
    this.hostVeth = name + "h";
    this.hostAddress = "10.213." + subnet + ".1";
    this.innerAddress = "10.213." + subnet + ".2";
  }

  /** Whether namespaces can be made here (root, with ip and iptables installed). */
  static boolean available() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      boolean root =
          status.lines().anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+", -1)[1].equals("0"));
      return root && onPath("ip") && onPath("iptables");
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean onPath(String tool) {
    for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin").split(":", -1)) {
      if (Files.isExecutable(Path.of(dir, tool))) {
        return true;
      }
    }
    return Files.isExecutable(Path.of("/usr/sbin", tool));
  }

  static NetNamespace create() throws IOException, InterruptedException {
    int subnet = ThreadLocalRandom.current().nextInt(1, 250);
    NetNamespace ns =
        new NetNamespace("mb" + Long.toString(System.nanoTime() % 1_000_000, 36), subnet);
    String inner = ns.name + "c";
    try {
      run("ip", "netns", "add", ns.name);
      run("ip", "link", "add", ns.hostVeth, "type", "veth", "peer", "name", inner);
      run("ip", "link", "set", inner, "netns", ns.name);
      run("ip", "addr", "add", ns.hostAddress + "/30", "dev", ns.hostVeth);
      run("ip", "link", "set", ns.hostVeth, "up");
      run(
          "ip",
          "netns",
          "exec",
          ns.name,
          "ip",
          "addr",
          "add",
          ns.innerAddress + "/30",
          "dev",
          inner);
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", inner, "up");
      run("ip", "netns", "exec", ns.name, "ip", "link", "set", "lo", "up");
      return ns;
    } catch (IOException | RuntimeException e) {
      ns.close();
      throw e;
    }
  }

  /** The address of this host on the link (servers listen here for the namespace's clients). */
  String hostAddress() {
    return hostAddress;
  }

  /** A command line that runs {@code command} inside the namespace. */
  List<String> exec(List<String> command) {
    List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
    full.addAll(command);
    return full;
  }

  /** Drops every packet in and out of the namespace: the link is cut without a FIN or RST. */
  void cut() throws IOException, InterruptedException {
    run("ip", "netns", "exec", name, "iptables", "-A", "INPUT", "-j", "DROP");
    run("ip", "netns", "exec", name, "iptables", "-A", "OUTPUT", "-j", "DROP");
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
    try {
      new ProcessBuilder("ip", "link", "del", hostVeth)
          .redirectErrorStream(true)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
      new ProcessBuilder("ip", "netns", "del", name)
          .redirectErrorStream(true)
          .start()
          .waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing more to clean
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
