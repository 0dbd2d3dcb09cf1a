package dev.mesh.common.bus;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.mesh.common.auth.AuthorizeDecision;
import dev.mesh.common.auth.AuthorizeRequest;
import dev.mesh.common.connection.ChannelList;
import dev.mesh.common.connection.ChannelsQuery;
import dev.mesh.common.connection.ConnectionList;
import dev.mesh.common.connection.ConnectionQuery;
import dev.mesh.common.connection.KickRequest;
import dev.mesh.common.connection.KickResult;
import dev.mesh.common.connection.NodeStats;
import dev.mesh.common.connection.UnsubscribeRequest;
import dev.mesh.common.connection.UnsubscribeResult;
import dev.mesh.common.events.ConnectionClosed;
import dev.mesh.common.events.ConnectionOpened;
import dev.mesh.common.events.Transport;
import dev.mesh.common.identity.ConnectionIdentity;
import dev.mesh.common.presence.ChannelMembers;
import dev.mesh.common.presence.ChannelMembership;
import dev.mesh.common.presence.ChannelQuery;
import dev.mesh.common.presence.MembershipAction;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.PresenceCounts;
import dev.mesh.common.presence.PresenceCountsQuery;
import dev.mesh.common.presence.PresenceQuery;
import dev.mesh.common.presence.PresenceStatuses;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.replay.AckRequest;
import dev.mesh.common.replay.AckResult;
import dev.mesh.common.replay.HistoryPage;
import dev.mesh.common.replay.HistoryRequest;
import dev.mesh.common.replay.PendingCritical;
import dev.mesh.common.replay.PendingCriticalRequest;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ResumeAcks;
import dev.mesh.common.replay.ResumeAcksRequest;
import dev.mesh.common.routing.CloseConnections;
import dev.mesh.common.routing.Delivery;
import dev.mesh.common.routing.ForwardedFrame;
import dev.mesh.common.routing.FrameReply;
import dev.mesh.common.routing.SendResult;
import dev.mesh.common.routing.SendToUser;
import dev.mesh.common.status.ServiceStatus;
import dev.mesh.common.status.StatusQuery;
import io.vertx.core.buffer.Buffer;
import io.vertx.core.eventbus.EventBus;
import io.vertx.core.eventbus.MessageCodec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
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

  /**
   * Every message type of this module (where all of Mesh's message types live), each built ahead of
   * use by {@link #warmUp()}. MeshCodecTest checks that none is missing.
   */
  static final List<Class<? extends MeshMessage>> TYPES_TO_WARM =
      List.of(
          AuthorizeDecision.class,
          AuthorizeRequest.class,
          ChannelList.class,
          ChannelMembers.class,
          ChannelMembership.class,
          ChannelQuery.class,
          ChannelsQuery.class,
          ConnectionList.class,
          ConnectionQuery.class,
          KickRequest.class,
          KickResult.class,
          NodeStats.class,
          UnsubscribeRequest.class,
          UnsubscribeResult.class,
          ConnectionClosed.class,
          ConnectionOpened.class,
          PresenceChanged.class,
          PresenceCounts.class,
          PresenceCountsQuery.class,
          PresenceQuery.class,
          PresenceStatuses.class,
          UserPresence.class,
          Envelope.class,
          AckRequest.class,
          AckResult.class,
          HistoryPage.class,
          HistoryRequest.class,
          PendingCritical.class,
          PendingCriticalRequest.class,
          PublishRequest.class,
          PublishResult.class,
          ResumeAcks.class,
          ResumeAcksRequest.class,
          CloseConnections.class,
          Delivery.class,
          ForwardedFrame.class,
          FrameReply.class,
          SendResult.class,
          SendToUser.class,
          ServiceStatus.class,
          StatusQuery.class);

  /**
   * Builds, before the node sends or receives anything, what the first message of each type would
   * otherwise build on an event loop: the {@link Json} mapper (Jackson's classes are loaded then),
   * the serializer and deserializer of every message type, and the value serializers one message
   * round trip loads. Without it a node's first message to another node, encoded as the event-bus
   * connection opens, did all this work on that loop while every message queued on the connection
   * waited: on a cold process with every core busy the loop was blocked for 1.3 s and more, and a
   * new connection node's first presence joins were answered after 1.7 to 3.6 s (5 s is the reply
   * deadline; a connection node's own presence deadline is 2 s). Runs once per process (later calls
   * find everything cached) and never throws: a type that cannot be built here fails the same way
   * when used.
   */
  public static void warmUp() {
    for (Class<? extends MeshMessage> type : TYPES_TO_WARM) {
      try {
        Json.MAPPER.canSerialize(type);
        Json.MAPPER.canDeserialize(Json.MAPPER.constructType(type));
      } catch (RuntimeException | LinkageError e) {
        // Reported when the type is first used.
      }
    }
    try {
      MeshCodec codec = new MeshCodec();
      ConnectionIdentity identity = new ConnectionIdentity("u", "s", "t", "p", "c", "n");
      for (MeshMessage sample :
          List.<MeshMessage>of(
              new ConnectionOpened(identity, Transport.WEBSOCKET, Instant.EPOCH),
              new ChannelMembership(
                  "c",
                  MembershipAction.JOIN,
                  identity,
                  JsonNodeFactory.instance.objectNode().put("n", 1),
                  0))) {
        Buffer buffer = Buffer.buffer();
        codec.encodeToWire(buffer, sample);
        codec.decodeFromWire(0, buffer);
      }
    } catch (RuntimeException | LinkageError e) {
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
