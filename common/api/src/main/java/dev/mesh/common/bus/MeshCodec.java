package dev.mesh.common.bus;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.io.File;
import java.io.IOException;
import java.lang.reflect.Modifier;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;
import java.util.stream.Stream;

/**
 * The one codec of Mesh: carries any {@link MeshMessage} record as its class name plus its JSON
 * (from {@link Json}). Local deliveries pass the record itself (records are immutable, so sharing
 * is safe). Register it with {@link #register(EventBus)} on every node before any verticle is
 * deployed.
 */
public final class MeshCodec implements MessageCodec<MeshMessage, MeshMessage> {

  public static final String NAME = "mesh";

  private static final Map<String, Class<? extends MeshMessage>> TYPES = new ConcurrentHashMap<>();

  /** Registers the codec and selects it for every {@link MeshMessage} body sent on {@code bus}. */
  public static void register(EventBus bus) {
    bus.registerCodec(new MeshCodec());
    bus.codecSelector(body -> body instanceof MeshMessage ? NAME : null);
  }

  /**
   * One message sent to many recipients (a reply shared by coalesced requests): its JSON is encoded
   * at most once, however many remote recipients it goes to. Recipients never see this wrapper: a
   * remote one decodes the message's own type (the wire form is the same), a local one is given the
   * message itself.
   */
  public static final class Shared implements MeshMessage {

    private final MeshMessage message;
    private volatile byte[] json;

    public Shared(MeshMessage message) {
      this.message = message;
    }

    public MeshMessage message() {
      return message;
    }

    byte[] json() {
      byte[] encoded = json;
      if (encoded == null) {
        // A race encodes twice at worst, to equal bytes.
        encoded = encode(message);
        json = encoded;
      }
      return encoded;
    }
  }

  /**
   * Mesh's message types: the concrete {@link MeshMessage} classes of Mesh's shared code (where all
   * of them live), found in the jar or directory this class was loaded from. Found by their names,
   * not named here: this package does not depend on the packages of the messages it carries. Empty
   * when they cannot be listed (a class loader without files): the warm-up then builds less.
   */
  static List<Class<? extends MeshMessage>> messageTypes() {
    List<Class<? extends MeshMessage>> types = new ArrayList<>();
    try {
      Path source =
          Path.of(MeshMessage.class.getProtectionDomain().getCodeSource().getLocation().toURI());
      List<String> names = new ArrayList<>();
      if (Files.isDirectory(source)) {
        try (Stream<Path> files = Files.walk(source)) {
          files
              .map(file -> source.relativize(file).toString().replace(File.separatorChar, '/'))
              .forEach(names::add);
        }
      } else {
        try (JarFile jar = new JarFile(source.toFile())) {
          jar.stream().map(JarEntry::getName).forEach(names::add);
        }
      }
      for (String name : names) {
        if (!name.startsWith("dev/mesh/common/") || !name.endsWith(".class")) {
          continue;
        }
        Class<?> type;
        try {
          type =
              Class.forName(
                  name.substring(0, name.length() - ".class".length()).replace('/', '.'),
                  false,
                  MeshMessage.class.getClassLoader());
        } catch (ClassNotFoundException | LinkageError e) {
          // One class that cannot be loaded (a missing optional dependency) does not stop the
          // rest from being found.
          continue;
        }
        if (MeshMessage.class.isAssignableFrom(type)
            && !type.isInterface()
            && !Modifier.isAbstract(type.getModifiers())
            && type != Shared.class
            && type != Undecodable.class) {
          types.add(type.asSubclass(MeshMessage.class));
        }
      }
    } catch (Exception | LinkageError e) {
      // The classes could not be listed: nothing more is built ahead, every type is still built
      // when first used.
    }
    return types;
  }

  /**
   * Builds, before the node sends or receives anything, what the first message of each type would
   * otherwise build on an event loop: the {@link Json} mapper (Jackson's classes are loaded then),
   * the serializer and deserializer of every message type ({@link #messageTypes()}), and the wire
   * form's own path. Without it a node's first message to another node, encoded as the event-bus
   * connection opens, did all this work on that loop while every message queued on the connection
   * waited: on a cold process with every core busy the loop was blocked for 1.3 s and more, and a
   * new connection node's first presence joins were answered after 1.7 to 3.6 s (5 s is the reply
   * deadline; a connection node's own presence deadline is 2 s). Later calls find everything
   * cached. Never throws: a type that cannot be built here fails the same way when used.
   */
  public static void warmUp() {
    for (Class<? extends MeshMessage> type : messageTypes()) {
      try {
        Json.MAPPER.canSerialize(type);
        Json.MAPPER.canDeserialize(Json.MAPPER.constructType(type));
      } catch (RuntimeException | LinkageError e) {
        // Reported when the type is first used.
      }
    }
    try {
      // The values most messages carry (times, JSON payloads), through the wire form and back.
      Json.MAPPER.readTree(
          Json.MAPPER.writeValueAsBytes(
              Map.of(
                  "at", Instant.EPOCH, "data", JsonNodeFactory.instance.objectNode().put("n", 1))));
      MeshCodec codec = new MeshCodec();
      Buffer buffer = Buffer.buffer();
      codec.encodeToWire(buffer, new Undecodable("warm-up"));
      codec.decodeFromWire(0, buffer);
    } catch (IOException | RuntimeException | LinkageError e) {
      // As above.
    }
  }

  @Override
  public void encodeToWire(Buffer buffer, MeshMessage message) {
    MeshMessage body = message instanceof Shared shared ? shared.message() : message;
    byte[] type = body.getClass().getName().getBytes(StandardCharsets.UTF_8);
    byte[] json = message instanceof Shared shared ? shared.json() : encode(message);
    buffer
        .appendShort((short) type.length)
        .appendBytes(type)
        .appendInt(json.length)
        .appendBytes(json);
  }

  private static byte[] encode(MeshMessage message) {
    try {
      return Json.MAPPER.writeValueAsBytes(message);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  /**
   * Reads the layout {@link #encodeToWire} writes (docs/PROTOCOL.md 9.1): a 2-byte big-endian
   * length, that many bytes of UTF-8 class name, a 4-byte big-endian length, that many bytes of
   * UTF-8 JSON. Never throws: bytes that do not follow it, or name a class that is not a {@link
   * MeshMessage}, decode to an {@link Undecodable} carrying the reason, which every Mesh consumer
   * answers with 400.
   */
  @Override
  public MeshMessage decodeFromWire(int pos, Buffer buffer) {
    int end = buffer.length();
    if (end - pos < 2) {
      return new Undecodable(
          "mesh codec: body of " + Math.max(0, end - pos) + " bytes has no class-name length");
    }
    int typeLength = buffer.getUnsignedShort(pos);
    int typeEnd = pos + 2 + typeLength;
    if (typeLength == 0 || end - typeEnd < 4) {
      return new Undecodable(
          "mesh codec: class-name length "
              + typeLength
              + " does not fit a body of "
              + (end - pos)
              + " bytes");
    }
    String typeName = buffer.getString(pos + 2, typeEnd, "UTF-8");
    long jsonLength = buffer.getUnsignedInt(typeEnd);
    int jsonStart = typeEnd + 4;
    if (jsonLength > end - jsonStart) {
      return new Undecodable(
          "mesh codec: JSON length "
              + jsonLength
              + " is more than the "
              + (end - jsonStart)
              + " bytes left in the body of "
              + typeName);
    }
    Class<? extends MeshMessage> type;
    try {
      type = typeOf(typeName);
    } catch (IllegalStateException e) {
      return new Undecodable("mesh codec: " + e.getMessage());
    }
    try {
      return Json.MAPPER.readValue(buffer.getBytes(jsonStart, jsonStart + (int) jsonLength), type);
    } catch (IOException e) {
      return new Undecodable(
          "mesh codec: cannot decode " + type.getSimpleName() + ": " + JsonBodies.describe(e));
    }
  }

  private static Class<? extends MeshMessage> typeOf(String name) {
    Class<? extends MeshMessage> known = TYPES.get(name);
    if (known != null) {
      return known;
    }
    // Only names of loadable MeshMessage classes are remembered (computeIfAbsent keeps nothing when
    // it throws), so
    // names a peer makes up do not fill the map.
    return TYPES.computeIfAbsent(
        name,
        n -> {
          try {
            Class<?> type = Class.forName(n, false, MeshCodec.class.getClassLoader());
            if (!MeshMessage.class.isAssignableFrom(type)) {
              throw new IllegalStateException(n + " is not a MeshMessage");
            }
            return type.asSubclass(MeshMessage.class);
          } catch (ClassNotFoundException e) {
            throw new IllegalStateException(
                "unknown message type " + n + " (is this node on an older version?)", e);
          } catch (LinkageError e) {
            throw new IllegalStateException("message type " + n + " cannot be loaded: " + e, e);
          }
        });
  }

  @Override
  public MeshMessage transform(MeshMessage message) {
    return message instanceof Shared shared ? shared.message() : message;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public byte systemCodecID() {
    return -1;
  }
}
