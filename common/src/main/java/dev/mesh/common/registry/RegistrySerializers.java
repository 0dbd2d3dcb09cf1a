package dev.mesh.common.registry;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.config.SerializerConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import com.hazelcast.nio.serialization.StreamSerializer;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;

import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * Compact binary forms of the registry's values and entry processors. Every connect and disconnect sends one entry
 * processor and its backup; with Java serialization (object streams, class descriptors) that was the largest Hazelcast
 * cost in a profile of 2,000 connects. Hazelcast picks a serializer registered for a class before falling back to
 * {@link java.io.Serializable}, so the classes stay plain records and processors.
 */
public final class RegistrySerializers {

  // Type ids are part of the cluster's wire format: never reuse or renumber one.
  static final int REGISTRY_ENTRY = 1101;
  static final int USER_CONNECTIONS = 1102;
  static final int REGISTER = 1103;
  static final int REGISTER_RESULT = 1104;
  static final int UNREGISTER = 1105;

  private RegistrySerializers() {
  }

  /** Adds the registry's serializers to a member's configuration. */
  public static void register(SerializationConfig config) {
    config.addSerializerConfig(new SerializerConfig().setTypeClass(RegistryEntry.class).setImplementation(new EntrySerializer()));
    config.addSerializerConfig(new SerializerConfig().setTypeClass(UserConnections.class)
        .setImplementation(new UserConnectionsSerializer()));
    config.addSerializerConfig(new SerializerConfig().setTypeClass(RegisterConnection.class)
        .setImplementation(new RegisterSerializer()));
    config.addSerializerConfig(new SerializerConfig().setTypeClass(RegisterConnection.Result.class)
        .setImplementation(new ResultSerializer()));
    config.addSerializerConfig(new SerializerConfig().setTypeClass(UnregisterConnection.class)
        .setImplementation(new UnregisterSerializer()));
  }

  static void writeEntry(ObjectDataOutput out, RegistryEntry entry) throws IOException {
    ConnectionIdentity id = entry.identity();
    out.writeString(id.userId());
    out.writeString(id.sessionId());
    out.writeString(id.tabId());
    out.writeString(id.pageId());
    out.writeString(id.connectionId());
    out.writeString(id.nodeId());
    out.writeByte(entry.transport().ordinal());
    out.writeLong(entry.openedAt().getEpochSecond());
    out.writeInt(entry.openedAt().getNano());
  }

  static RegistryEntry readEntry(ObjectDataInput in) throws IOException {
    ConnectionIdentity id = new ConnectionIdentity(in.readString(), in.readString(), in.readString(), in.readString(),
        in.readString(), in.readString());
    Transport transport = Transport.values()[in.readByte()];
    return new RegistryEntry(id, transport, Instant.ofEpochSecond(in.readLong(), in.readInt()));
  }

  static void writeEntries(ObjectDataOutput out, List<RegistryEntry> entries) throws IOException {
    out.writeInt(entries.size());
    for (RegistryEntry entry : entries) {
      writeEntry(out, entry);
    }
  }

  static List<RegistryEntry> readEntries(ObjectDataInput in) throws IOException {
    int size = in.readInt();
    List<RegistryEntry> entries = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      entries.add(readEntry(in));
    }
    return entries;
  }

  private abstract static class Base<T> implements StreamSerializer<T> {
    private final int typeId;

    Base(int typeId) {
      this.typeId = typeId;
    }

    @Override
    public int getTypeId() {
      return typeId;
    }
  }

  static final class EntrySerializer extends Base<RegistryEntry> {
    EntrySerializer() {
      super(REGISTRY_ENTRY);
    }

    @Override
    public void write(ObjectDataOutput out, RegistryEntry entry) throws IOException {
      writeEntry(out, entry);
    }

    @Override
    public RegistryEntry read(ObjectDataInput in) throws IOException {
      return readEntry(in);
    }
  }

  static final class UserConnectionsSerializer extends Base<UserConnections> {
    UserConnectionsSerializer() {
      super(USER_CONNECTIONS);
    }

    @Override
    public void write(ObjectDataOutput out, UserConnections value) throws IOException {
      writeEntries(out, value.connections());
    }

    @Override
    public UserConnections read(ObjectDataInput in) throws IOException {
      return new UserConnections(readEntries(in));
    }
  }

  static final class RegisterSerializer extends Base<RegisterConnection> {
    RegisterSerializer() {
      super(REGISTER);
    }

    @Override
    public void write(ObjectDataOutput out, RegisterConnection processor) throws IOException {
      writeEntry(out, processor.entry());
      out.writeInt(processor.maxPerUser());
      out.writeBoolean(processor.evictOldest());
    }

    @Override
    public RegisterConnection read(ObjectDataInput in) throws IOException {
      return new RegisterConnection(readEntry(in), in.readInt(), in.readBoolean());
    }
  }

  static final class ResultSerializer extends Base<RegisterConnection.Result> {
    ResultSerializer() {
      super(REGISTER_RESULT);
    }

    @Override
    public void write(ObjectDataOutput out, RegisterConnection.Result result) throws IOException {
      out.writeBoolean(result.accepted());
      writeEntries(out, result.displaced());
      writeEntries(out, result.evicted());
      out.writeInt(result.count());
      out.writeBoolean(result.superseded());
    }

    @Override
    public RegisterConnection.Result read(ObjectDataInput in) throws IOException {
      return new RegisterConnection.Result(in.readBoolean(), readEntries(in), readEntries(in), in.readInt(),
          in.readBoolean());
    }
  }

  static final class UnregisterSerializer extends Base<UnregisterConnection> {
    UnregisterSerializer() {
      super(UNREGISTER);
    }

    @Override
    public void write(ObjectDataOutput out, UnregisterConnection processor) throws IOException {
      out.writeString(processor.connectionId());
    }

    @Override
    public UnregisterConnection read(ObjectDataInput in) throws IOException {
      return new UnregisterConnection(in.readString());
    }
  }
}
