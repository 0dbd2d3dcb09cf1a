package dev.mesh.common.registry;

import com.hazelcast.config.SerializationConfig;
import com.hazelcast.nio.ObjectDataInput;
import com.hazelcast.nio.ObjectDataOutput;
import dev.mesh.common.cluster.WireSerializers;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Compact binary forms of the registry's values and entry processors. Every connect and disconnect
 * sends an entry processor (alone or in a batch) and its backup; with Java serialization (object
 * streams, class descriptors) that was the largest Hazelcast cost in a profile of 2,000 connects.
 * The records are not {@link java.io.Serializable}, and the processors, aggregator and projection
 * (Serializable by Hazelcast's interfaces) have a serializer each, so none of them takes that path.
 */
public final class RegistrySerializers {

  // Type ids are part of the cluster's wire format: never reuse or renumber one. 1101-1104, 1106
  // and 1107 held
  // entries without the attempt number; its formats took new ids, so a member of an older version
  // refuses them with
  // a serialization error instead of misreading them.
  static final int UNREGISTER = 1105;
  static final int REGISTRY_ENTRY = 1108;
  static final int USER_CONNECTIONS = 1109;
  static final int REGISTER = 1110;
  static final int REGISTER_RESULT = 1111;
  static final int REGISTER_BATCH = 1112;
  static final int REGISTER_BATCH_RESULTS = 1113;
  static final int PURGE_NODE = 1114;
  static final int NODE_COUNT = 1115;
  static final int NODE_ENTRIES = 1116;
  static final int UNREGISTER_BATCH = 1117;
  static final int UNREGISTER_BATCH_RESULTS = 1118;

  private RegistrySerializers() {}

  /** Adds the registry's serializers to a member's configuration. */
  public static void register(SerializationConfig config) {
    WireSerializers.add(
        config,
        RegistryEntry.class,
        REGISTRY_ENTRY,
        RegistrySerializers::writeEntry,
        RegistrySerializers::readEntry);
    WireSerializers.add(
        config,
        UserConnections.class,
        USER_CONNECTIONS,
        (out, value) -> writeEntries(out, value.connections()),
        in -> new UserConnections(readEntries(in)));
    WireSerializers.add(
        config,
        RegisterConnection.class,
        REGISTER,
        (out, processor) -> {
          writeEntry(out, processor.entry());
          out.writeInt(processor.maxPerUser());
          out.writeBoolean(processor.evictOldest());
        },
        in -> new RegisterConnection(readEntry(in), in.readInt(), in.readBoolean()));
    WireSerializers.add(
        config,
        RegisterConnection.Result.class,
        REGISTER_RESULT,
        RegistrySerializers::writeResult,
        RegistrySerializers::readResult);
    WireSerializers.add(
        config,
        RegisterConnections.class,
        REGISTER_BATCH,
        (out, batch) -> {
          List<RegisterConnection> registrations = batch.registrations();
          out.writeInt(registrations.size());
          for (RegisterConnection registration : registrations) {
            writeEntry(out, registration.entry());
            out.writeInt(registration.maxPerUser());
            out.writeBoolean(registration.evictOldest());
          }
        },
        in -> {
          int size = in.readInt();
          List<RegisterConnection> registrations = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            registrations.add(
                new RegisterConnection(readEntry(in), in.readInt(), in.readBoolean()));
          }
          return new RegisterConnections(registrations);
        });
    WireSerializers.add(
        config,
        RegisterConnections.Results.class,
        REGISTER_BATCH_RESULTS,
        (out, value) -> {
          out.writeInt(value.results().size());
          for (RegisterConnection.Result result : value.results()) {
            writeResult(out, result);
          }
        },
        in -> {
          int size = in.readInt();
          List<RegisterConnection.Result> results = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            results.add(readResult(in));
          }
          return new RegisterConnections.Results(results);
        });
    WireSerializers.add(
        config,
        UnregisterConnection.class,
        UNREGISTER,
        (out, processor) -> out.writeString(processor.connectionId()),
        in -> new UnregisterConnection(in.readString()));
    WireSerializers.add(
        config,
        UnregisterConnections.class,
        UNREGISTER_BATCH,
        (out, batch) -> {
          List<Map.Entry<String, String>> removals = batch.removals();
          out.writeInt(removals.size());
          for (Map.Entry<String, String> removal : removals) {
            out.writeString(removal.getKey());
            out.writeString(removal.getValue());
          }
        },
        in -> {
          int size = in.readInt();
          List<Map.Entry<String, String>> removals = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            removals.add(Map.entry(in.readString(), in.readString()));
          }
          return new UnregisterConnections(removals);
        });
    WireSerializers.add(
        config,
        UnregisterConnections.Results.class,
        UNREGISTER_BATCH_RESULTS,
        (out, value) -> {
          out.writeInt(value.removed().size());
          for (boolean removed : value.removed()) {
            out.writeBoolean(removed);
          }
        },
        in -> {
          int size = in.readInt();
          List<Boolean> removed = new ArrayList<>(size);
          for (int i = 0; i < size; i++) {
            removed.add(in.readBoolean());
          }
          return new UnregisterConnections.Results(removed);
        });
    WireSerializers.add(
        config,
        PurgeNode.class,
        PURGE_NODE,
        (out, purge) -> out.writeString(purge.nodeId),
        in -> new PurgeNode(in.readString()));
    WireSerializers.add(
        config,
        NodeConnections.Count.class,
        NODE_COUNT,
        (out, count) -> {
          out.writeString(count.nodeId);
          out.writeLong(count.count);
        },
        in -> {
          NodeConnections.Count count = new NodeConnections.Count(in.readString());
          count.count = in.readLong();
          return count;
        });
    WireSerializers.add(
        config,
        NodeConnections.Entries.class,
        NODE_ENTRIES,
        (out, entries) -> out.writeString(entries.nodeId),
        in -> new NodeConnections.Entries(in.readString()));
  }

  static void writeResult(ObjectDataOutput out, RegisterConnection.Result result)
      throws IOException {
    out.writeBoolean(result.accepted());
    writeEntries(out, result.displaced());
    writeEntries(out, result.evicted());
    out.writeInt(result.count());
    out.writeBoolean(result.superseded());
  }

  static RegisterConnection.Result readResult(ObjectDataInput in) throws IOException {
    return new RegisterConnection.Result(
        in.readBoolean(), readEntries(in), readEntries(in), in.readInt(), in.readBoolean());
  }

  static void writeEntry(ObjectDataOutput out, RegistryEntry entry) throws IOException {
    ConnectionIdentity id = entry.identity();
    out.writeString(id.userId());
    out.writeString(id.sessionId());
    out.writeString(id.tabId());
    out.writeString(id.pageId());
    out.writeString(id.connectionId());
    out.writeString(id.nodeId());
    out.writeByte(transportCode(entry.transport()));
    Instant openedAt = entry.openedAt();
    out.writeLong(openedAt.getEpochSecond());
    out.writeInt(openedAt.getNano());
    out.writeLong(entry.attempt());
  }

  static RegistryEntry readEntry(ObjectDataInput in) throws IOException {
    ConnectionIdentity id =
        new ConnectionIdentity(
            in.readString(),
            in.readString(),
            in.readString(),
            in.readString(),
            in.readString(),
            in.readString());
    Transport transport = transport(in.readByte());
    return new RegistryEntry(
        id, transport, Instant.ofEpochSecond(in.readLong(), in.readInt()), in.readLong());
  }

  /**
   * A transport's byte on the wire: fixed here, whatever the order of {@link Transport}'s
   * constants.
   */
  private static int transportCode(Transport transport) {
    return switch (transport) {
      case WEBSOCKET -> 0;
      case SSE -> 1;
    };
  }

  private static Transport transport(byte code) throws IOException {
    return switch (code) {
      case 0 -> Transport.WEBSOCKET;
      case 1 -> Transport.SSE;
      default -> throw new IOException("unknown transport code " + code);
    };
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
}
