package dev.mesh.common.testing;

import dev.mesh.common.cluster.BusTlsOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * Event-bus certificates for tests, made by the repository's own {@code deploy/bus-certs.sh} (so
 * the script the deployment documents is the one the tests prove): a CA per directory, one key and
 * certificate per node.
 */
public final class BusCertificates {

  private BusCertificates() {}

  /** The TLS options of node {@code name} under the CA of {@code dir} (created on first use). */
  public static BusTlsOptions make(Path dir, String name) throws IOException, InterruptedException {
    Path script = script();
    Process process =
        new ProcessBuilder("sh", script.toString(), dir.toString(), name)
            .redirectErrorStream(true)
            .start();
    String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
      throw new IllegalStateException(
          "deploy/bus-certs.sh failed (is openssl installed?):\n" + output);
    }
    return new BusTlsOptions(
        dir.resolve(name + ".key").toString(),
        dir.resolve(name + ".pem").toString(),
        dir.resolve("ca.pem").toString());
  }

  /**
   * deploy/bus-certs.sh, found from the working directory (a module directory or the repository
   * root).
   */
  public static Path script() {
    String root = System.getProperty("mesh.repo.root");
    if (root != null) {
      return Path.of(root, "deploy", "bus-certs.sh");
    }
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path candidate = dir.resolve("deploy").resolve("bus-certs.sh");
      if (Files.isRegularFile(candidate)) {
        return candidate;
      }
    }
    throw new IllegalStateException(
        "deploy/bus-certs.sh not found above " + Path.of("").toAbsolutePath());
  }
}
