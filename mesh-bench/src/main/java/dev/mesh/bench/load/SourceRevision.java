package dev.mesh.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The commit a result was measured on, so that a result file names the code behind it: {@code git
 * describe --always --dirty}, with "-dirty" when tracked files differ from the commit. Null where
 * the tree is not a git checkout or git is missing.
 */
final class SourceRevision {

  private SourceRevision() {}

  static String of(Path repo) {
    try {
      Process git =
          new ProcessBuilder(
                  "git", "-C", repo.toString(), "describe", "--always", "--dirty", "--abbrev=7")
              .redirectErrorStream(true)
              .start();
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      if (!git.waitFor(10, TimeUnit.SECONDS) || git.exitValue() != 0 || out.isEmpty()) {
        git.destroyForcibly();
        return null;
      }
      return out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
