package dev.mesh.common.client;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("README's MeshBus example")
class MeshBusReadmeTest {

  @Test
  @DisplayName("is the compiled MeshBusExample region, character for character")
  void readmeQuotesTheCompiledExample() throws Exception {
    List<String> source =
        Files.readAllLines(
            Path.of(
                "src", "test", "java", "dev", "mesh", "common", "client", "MeshBusExample.java"));
    int start = source.indexOf("    // readme:start");
    int end = source.indexOf("    // readme:end");
    assertThat(start).isPositive();
    assertThat(end).isGreaterThan(start + 1);
    String region =
        String.join(
            "\n",
            source.subList(start + 1, end).stream()
                .map(line -> line.startsWith("    ") ? line.substring(4) : line)
                .toList());
    String readme = Files.readString(Path.of("..", "..", "README.md"));
    assertThat(readme).contains("```java\n" + region + "\n```");
  }
}
