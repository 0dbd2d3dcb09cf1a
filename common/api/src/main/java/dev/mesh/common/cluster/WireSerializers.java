package dev.mesh.common.cluster;

import com.hazelcast.config.ClassFilter;
import com.hazelcast.config.JavaSerializationFilterConfig;
import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import java.io.IOException;

/**
 * Registers a Hazelcast serializer for one class from a type id, a writer and a reader: how the
 * registry, the replay store and presence keep their values and entry processors out of Java
 * serialization. Type ids are part of the cluster's wire format: never reuse or renumber one
 * (registry 1101+, replay store 1201+, presence 1301+).
 */
public final class WireSerializers {

  private WireSerializers() {}

  /**
   * Prefix of the classes that never travel by Java serialization: the contract's and the cluster
   * state's, every one of which that Hazelcast carries has a serializer.
   */
  public static final String COMMON_CLASSES = "dev.mesh.common.";

  /**
   * Makes a member refuse to read any class of {@link #COMMON_CLASSES} sent by Java serialization:
   * such a payload is a type that lost its serializer (it then fails where it is read instead of
   * silently taking the slow path) or a crafted one. Other classes (Vert.x's, Hazelcast's) keep
   * their paths.
   */
  public static void refuseJavaSerialization(SerializationConfig config) {
    config.setJavaSerializationFilterConfig(
        new JavaSerializationFilterConfig()
            .setDefaultsDisabled(true)
            .setBlacklist(new ClassFilter().addPrefixes(COMMON_CLASSES)));
  }

  /** Writes one value. */
  @FunctionalInterface
  public interface Writer<T> {
    void write(ObjectDataOutput out, T value) throws IOException;
  }

  /** Reads one value. */
  @FunctionalInterface
  public interface Reader<T> {
    T read(ObjectDataInput in) throws IOException;
  }

  /** Adds the serializer of {@code type} to a member's configuration. */
  public static <T> void add(
      SerializationConfig config, Class<T> type, int typeId, Writer<T> writer, Reader<T> reader) {
    config.addSerializerConfig(
        new SerializerConfig()
            .setTypeClass(type)
            .setImplementation(new Functional<>(typeId, writer, reader)));
  }

  private static final class Functional<T> implements StreamSerializer<T> {
    private final int typeId;
    private final Writer<T> writer;
    private final Reader<T> reader;

    Functional(int typeId, Writer<T> writer, Reader<T> reader) {
      this.typeId = typeId;
      this.writer = writer;
      this.reader = reader;
    }

    @Override
    public int getTypeId() {
      return typeId;
    }

    @Override
    public void write(ObjectDataOutput out, T value) throws IOException {
      writer.write(out, value);
    }

    @Override
    public T read(ObjectDataInput in) throws IOException {
      return reader.read(in);
    }
  }
}
