package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.hazelcast.config.Config;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.internal.serialization.Data;
import com.hazelcast.internal.serialization.InternalSerializationService;
import com.hazelcast.internal.serialization.impl.DefaultSerializationServiceBuilder;
import dev.mesh.common.config.Env;
import java.io.Serializable;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The contract's and the cluster state's classes never travel by Java serialization")
class JavaSerializationFilterTest {

  /** A class of common that lost its serializer. */
  record Unregistered(String value) implements Serializable {}

  private static InternalSerializationService service(SerializationConfig config) {
    return new DefaultSerializationServiceBuilder().setConfig(config).build();
  }

  @Test
  @DisplayName("a member reading such a class sent by Java serialization refuses it")
  void meshClassesAreRefused() {
    SerializationConfig refusing = new SerializationConfig();
    WireSerializers.refuseJavaSerialization(refusing);
    Data sent = service(new SerializationConfig()).toData(new Unregistered("é"));
    InternalSerializationService reader = service(refusing);
    assertThatThrownBy(() -> reader.toObject(sent))
        .hasStackTraceContaining(Unregistered.class.getName());
  }

  @Test
  @DisplayName("other classes still travel by Java serialization")
  void otherClassesPass() {
    SerializationConfig refusing = new SerializationConfig();
    WireSerializers.refuseJavaSerialization(refusing);
    InternalSerializationService service = service(refusing);
    ArrayList<Object> list = new ArrayList<>(List.of("a", 1L));
    Data data = service.toData(new java.util.concurrent.atomic.AtomicLong(7));
    assertThat(service.<Object>toObject(data)).hasToString("7");
    assertThat(service.<Object>toObject(service.toData(list))).isEqualTo(list);
  }

  @Test
  @DisplayName("every member's configuration refuses them")
  void everyMemberRefusesThem() {
    Config config = MeshCluster.hazelcastConfig(ClusterOptions.fromEnv(Env.of(Map.of())));
    assertThat(
            config
                .getSerializationConfig()
                .getJavaSerializationFilterConfig()
                .getBlacklist()
                .getPrefixes())
        .containsExactly(WireSerializers.COMMON_CLASSES);
  }
}
