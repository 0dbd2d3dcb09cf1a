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
}
