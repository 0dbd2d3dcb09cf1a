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
 * Separate hosts on one machine: network namespaces, each with one address of its own on a bridge
 * ({@code 10.215.N.11}, {@code .12}, ...), the way machines share a LAN; this JVM is a host too, at
 * the bridge's own address ({@code 10.215.N.1}). Processes started through {@link Host#launcher()}
 * see only their host's interfaces and loopback, so a service that announces the wrong address
 * cannot be reached by the others. {@link #close()} deletes the namespaces, links and the bridge; a
 * JVM shutdown hook does the same if the caller never gets there. Needs root and {@code ip}
 * (iproute2).
 */
public final class HostNetwork implements AutoCloseable {

  /** One namespace: its name, its address on the bridge, and the veth end that connects it. */
  public record Host(String name, String address, String bridgePort) {

    /** The command prefix that runs a program on this host. */
    public List<String> launcher() {
      return List.of("ip", "netns", "exec", name);
    }
  }

  private final String id = "mh" + Long.toString(System.nanoTime() % 1_000_000, 36);
  private final String bridge = id + "br";
  private final String subnet = "10.215." + ThreadLocalRandom.current().nextInt(1, 250);
  private final List<Host> hosts = new ArrayList<>();
  private final Thread cleanup = new Thread(this::deleteAll, "host-network-cleanup");

  private HostNetwork() {
    Runtime.getRuntime().addShutdownHook(cleanup);
  }

  /** Whether hosts can be made here: root, with {@code ip} installed. */
  public static boolean available() {
    try {
      String status = Files.readString(Path.of("/proc/self/status"));
      boolean root =
          status.lines().anyMatch(l -> l.startsWith("Uid:") && l.split("\\s+", -1)[1].equals("0"));
      return root
          && (Files.isExecutable(Path.of("/usr/sbin/ip"))
              || Files.isExecutable(Path.of("/sbin/ip"))
              || Files.isExecutable(Path.of("/usr/bin/ip"))
              || Files.isExecutable(Path.of("/bin/ip")));
    } catch (IOException e) {
      return false;
    }
  }

  /** A bridge and {@code count} hosts on it. */
  public static HostNetwork create(int count) throws IOException, InterruptedException {
    HostNetwork network = new HostNetwork();
    try {
      run("ip", "link", "add", network.bridge, "type", "bridge");
      run("ip", "addr", "add", network.localAddress() + "/24", "dev", network.bridge);
      run("ip", "link", "set", network.bridge, "up");
      for (int i = 0; i < count; i++) {
        network.addHost(i);
      }
      return network;
    } catch (IOException | RuntimeException | InterruptedException e) {
      network.close();
      throw e;
    }
  }

  private void addHost(int index) throws IOException, InterruptedException {
    Host host = new Host(id + "h" + index, subnet + "." + (11 + index), id + "p" + index);
    String inner = id + "i" + index;
    hosts.add(host);
    run("ip", "netns", "add", host.name());
    run("ip", "link", "add", host.bridgePort(), "type", "veth", "peer", "name", inner);
    run("ip", "link", "set", inner, "netns", host.name());
    run("ip", "link", "set", host.bridgePort(), "master", bridge);
    run("ip", "link", "set", host.bridgePort(), "up");
    run(
        "ip",
        "netns",
        "exec",
        host.name(),
        "ip",
        "addr",
        "add",
        host.address() + "/24",
        "dev",
        inner);
    run("ip", "netns", "exec", host.name(), "ip", "link", "set", inner, "up");
    run("ip", "netns", "exec", host.name(), "ip", "link", "set", "lo", "up");
  }

  public List<Host> hosts() {
    return List.copyOf(hosts);
  }

  /** This JVM's address on the bridge: it is a host of the network too. */
  public String localAddress() {
    return subnet + ".1";
  }

  /**
   * Unplugs a host: its link to the bridge goes down, so every packet to and from it is lost
   * without a FIN or a RST, as when a machine loses power or its network. Its processes keep
   * running, alone.
   */
  public void unplug(Host host) throws IOException, InterruptedException {
    run("ip", "link", "set", host.bridgePort(), "down");
  }

  private static void run(String... command) throws IOException, InterruptedException {
    Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
    boolean exited = process.waitFor(10, TimeUnit.SECONDS);
    String output = new String(process.getInputStream().readAllBytes(), UTF_8).strip();
    if (!exited || process.exitValue() != 0) {
      process.destroyForcibly();
      throw new IOException(String.join(" ", command) + " failed: " + output);
    }
  }

  private synchronized void deleteAll() {
    for (Host host : hosts) {
      quietly("ip", "link", "del", host.bridgePort());
      quietly("ip", "netns", "del", host.name());
    }
    hosts.clear();
    quietly("ip", "link", "del", bridge);
  }

  private static void quietly(String... command) {
    try {
      new ProcessBuilder(command).redirectErrorStream(true).start().waitFor(10, TimeUnit.SECONDS);
    } catch (IOException e) {
      // nothing more to clean
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  @Override
  public void close() {
    deleteAll();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is shutting down and the hook runs
    }
  }
}
