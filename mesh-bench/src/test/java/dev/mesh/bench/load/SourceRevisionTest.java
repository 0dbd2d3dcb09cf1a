package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

@DisplayName("Result files name the commit they were measured on")
class SourceRevisionTest {

  @Test
  @DisplayName("in this checkout: the abbreviated commit, -dirty when tracked files changed")
  void thisCheckout() throws Exception {
    // The tests run in mesh-bench/, inside the repository's checkout.
    Path repo = Path.of("..").toAbsolutePath().normalize();
    String head =
        new String(
                new ProcessBuilder("git", "-C", repo.toString(), "rev-parse", "HEAD")
                    .start()
                    .getInputStream()
                    .readAllBytes(),
                StandardCharsets.UTF_8)
            .trim();
    String revision = SourceRevision.of(repo);
    assertThat(revision).matches("[0-9a-f]{7,40}(-dirty)?");
    assertThat(head).startsWith(revision.replace("-dirty", ""));
  }

  @Test
  @DisplayName("outside a git checkout: null, not a made-up revision")
  void notACheckout(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("file"), "x");
    assertThat(SourceRevision.of(dir)).isNull();
  }

  @Test
  @DisplayName("a tagged commit: still the commit's hash, not the tag's name")
  void taggedCommit(@TempDir Path dir) throws Exception {
    Files.writeString(dir.resolve("file"), "x");
    git(dir, "init", "-q");
    git(dir, "add", "file");
    git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q", "-m", "one");
    // Annotated: git describe names annotated tags only.
    git(dir, "-c", "user.name=t", "-c", "user.email=t@t", "tag", "-a", "v1.0", "-m", "v1.0");
    String head = git(dir, "rev-parse", "HEAD");
    String revision = SourceRevision.of(dir);
    assertThat(revision).matches("[0-9a-f]{7,40}");
    assertThat(head).startsWith(revision);
  }

  private static String git(Path dir, String... args) throws Exception {
    java.util.List<String> command =
        new java.util.ArrayList<>(java.util.List.of("git", "-C", dir.toString()));
    command.addAll(java.util.List.of(args));
    Process git = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(git.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
    assertThat(git.waitFor()).as("git %s: %s", args, out).isZero();
    return out;
  }
}
