package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Page host: a group can be stopped and forgotten, so that its pages can make room")
class PageHostGroupsTest {

  private final PageHost host = new PageHost("groups", "a-bench-secret-of-at-least-32-bytes!!");

  @AfterEach
  void close() {
    host.close();
  }

  private JsonObject create(String group, String kind) throws Exception {
    return host.handle(
        new JsonObject()
            .put("op", "create")
            .put("group", group)
            .put("kind", kind)
            .put("prefix", group)
            .put("from", 0)
            .put("count", 3)
            .put("endpoints", new JsonArray().add(new JsonArray().add("127.0.0.1").add(9))));
  }

  @Test
  @DisplayName(
      "stopGroup stops every page of the group (Mesh and Socket.IO alike) and forgets it; an unknown group is refused")
  void stopGroup() throws Exception {
    create("steady", "mesh");
    create("io", "socketio");
    JsonObject stop = new JsonObject().put("op", "stopGroup").put("group", "steady");
    assertThat(host.handle(stop).getInteger("stopped")).isEqualTo(3);
    assertThat(
            host.handle(new JsonObject().put("op", "stopGroup").put("group", "io"))
                .getInteger("stopped"))
        .isEqualTo(3);
    // Forgotten: the name is free again, and stopping it twice is an error, not a silent no-op.
    assertThat(create("steady", "mesh").getInteger("created")).isEqualTo(3);
    assertThat(host.handle(stop).getInteger("stopped")).isEqualTo(3);
    assertThatThrownBy(() -> host.handle(stop))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no group steady");
  }
}
