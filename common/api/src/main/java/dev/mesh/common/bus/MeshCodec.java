package dev.mesh.common.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

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
