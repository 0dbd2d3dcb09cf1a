package dev.mesh.bench.deploy;

import static org.assertj.core.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.TimeUnit;

/** External command-line tools the deployment checks run, and what happens when one is missing. */
final class Tools {

  private Tools() {}

  /** What a run printed (stdout and stderr together) and its exit status. */
  record Result(int exit, String output) {}

  static Optional<Path> onPath(String binary) {
    String path = System.getenv("PATH");
    for (String dir :
        (path == null ? "/usr/local/bin:/usr/bin:/bin" : path).split(File.pathSeparator, -1)) {
      if (!dir.isEmpty()) {
        Path candidate = Path.of(dir, binary);
        if (Files.isRegularFile(candidate) && Files.isExecutable(candidate)) {
          return Optional.of(candidate);
        }
      }
    }
    return Optional.empty();
  }

  /**
   * The tool, or: under CI ({@code CI=true}, where {@code ./mesh test} installs it) a failure,
   * elsewhere a skipped test naming the package to install.
   */
  static Path require(String binary, String install) {
    Optional<Path> found = onPath(binary);
    if (found.isEmpty() && "true".equals(System.getenv("CI"))) {
      fail(binary + " is not installed; ./mesh test installs it (" + install + ")");
    }
    assumeTrue(
        found.isPresent(),
        binary + " is not installed (" + install + "; ./mesh test does it): skipped");
    return found.get();
  }

  /**
   * A tool that ./mesh test cannot install (kubectl ships with the machine image, not with Debian):
   * the checks that need it are skipped with a message wherever it is missing, CI included; every
   * other check still runs.
   */
  static Path optional(String binary, String why) {
    Optional<Path> found = onPath(binary);
    assumeTrue(found.isPresent(), binary + " is not installed (" + why + "): skipped");
    return found.get();
  }

  static Result run(Path directory, List<String> command) throws IOException, InterruptedException {
    Process process =
        new ProcessBuilder(new ArrayList<>(command))
            .directory(directory.toFile())
            .redirectErrorStream(true)
            .start();
    byte[] output = process.getInputStream().readAllBytes();
    if (!process.waitFor(120, TimeUnit.SECONDS)) {
      process.destroyForcibly();
      fail(String.join(" ", command) + " did not finish within 120 s");
    }
    return new Result(process.exitValue(), new String(output, StandardCharsets.UTF_8));
  }
}
