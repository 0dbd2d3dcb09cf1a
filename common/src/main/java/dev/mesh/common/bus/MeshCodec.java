package dev.mesh.common.bus;

import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The one codec of Mesh: carries any {@link MeshMessage} record as its class name plus its JSON (from {@link Json}).
 * Local deliveries pass the record itself (records are immutable, so sharing is safe). Register it with
 * {@link #register(EventBus)} on every node before any verticle is deployed.
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
   * One message sent to many recipients (a reply shared by coalesced requests): its JSON is encoded at most once,
   * however many remote recipients it goes to. Recipients never see this wrapper: a remote one decodes the message's
   * own type (the wire form is the same), a local one is given the message itself.
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
    buffer.appendShort((short) type.length).appendBytes(type).appendInt(json.length).appendBytes(json);
  }

  private static byte[] encode(MeshMessage message) {
    try {
      return Json.MAPPER.writeValueAsBytes(message);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot encode " + message.getClass().getSimpleName(), e);
    }
  }

  @Override
  public MeshMessage decodeFromWire(int pos, Buffer buffer) {
    int typeLength = buffer.getShort(pos);
    String typeName = buffer.getString(pos + 2, pos + 2 + typeLength, "UTF-8");
    int jsonStart = pos + 2 + typeLength + 4;
    int jsonLength = buffer.getInt(pos + 2 + typeLength);
    try {
      return Json.MAPPER.readValue(buffer.getBytes(jsonStart, jsonStart + jsonLength), typeOf(typeName));
    } catch (IOException e) {
      throw new IllegalStateException("cannot decode " + typeName + ": " + e.getMessage(), e);
    }
  }

  private static Class<? extends MeshMessage> typeOf(String name) {
    return TYPES.computeIfAbsent(name, n -> {
      try {
        Class<?> type = Class.forName(n, false, MeshCodec.class.getClassLoader());
        if (!MeshMessage.class.isAssignableFrom(type)) {
          throw new IllegalStateException(n + " is not a MeshMessage");
        }
        return type.asSubclass(MeshMessage.class);
      } catch (ClassNotFoundException e) {
        throw new IllegalStateException("unknown message type " + n + " (is this node on an older version?)", e);
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
