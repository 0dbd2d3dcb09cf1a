package dev.mesh.bench.load;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * The commit a result was measured on, so that a result file names the code behind it: {@code git
 * describe --always --dirty}, with "-dirty" when tracked files differ from the commit. Null where
 * the tree is not a git checkout or git is missing. Tags are ignored: always the commit's hash.
 */
final class SourceRevision {

  private SourceRevision() {}

  static String of(Path repo) {
    try {
      Process git =
          new ProcessBuilder(
                  "git",
                  "-C",
                  repo.toString(),
                  "describe",
                  "--always",
                  "--dirty",
                  "--abbrev=7",
                  // The commit itself even once the repository has tags ("v1.0-3-gabc1234"
                  // otherwise).
                  "--exclude=*")
              .redirectErrorStream(true)
              .start();
      // Waited for first, so that a git that hangs costs 10 s, not the run; its output is one line.
      if (!git.waitFor(10, TimeUnit.SECONDS)) {
        git.destroyForcibly();
        return null;
      }
      String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
      return git.exitValue() != 0 || out.isEmpty() ? null : out;
    } catch (IOException e) {
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return null;
    }
  }
}
