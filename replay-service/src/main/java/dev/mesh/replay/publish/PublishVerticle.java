package dev.mesh.replay.publish;

import com.fasterxml.jackson.core.JsonProcessingException;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.BusRequest;
import dev.mesh.common.bus.ErrorCodes;
import dev.mesh.common.bus.Json;
import dev.mesh.common.bus.RequestBody;
import dev.mesh.common.cluster.MeshNode;
import dev.mesh.common.identity.ClientIds;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.replay.PublishRequest;
import dev.mesh.common.replay.PublishResult;
import dev.mesh.common.replay.ReplayClient;
import dev.mesh.common.replay.store.AppendResult;
import dev.mesh.replay.ChannelRules;
import dev.mesh.replay.ReplayMetrics;
import dev.mesh.replay.store.ChannelStore;
import dev.mesh.replay.store.StoreFailures;
import io.micrometer.core.instrument.Timer;
import io.vertx.core.Future;
import io.vertx.core.VerticleBase;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Optional;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Answers {@link Addresses#PUBLISH}: validates, appends to the channel's history (which assigns
 * {@code (epoch, seq)} or finds the original of a retried id), publishes the {@link Envelope} on
 * {@link Addresses#channel(String)}, and replies with the position. The live publish follows the
 * append, so whoever sees an event live can also read it from the history, and precedes the reply,
 * so a publisher that got no reply retries. A duplicate is announced live again (subscribers drop
 * it by seq): if the first attempt's node died between append and live publish, the retry is what
 * makes the event reach live subscribers. Events of {@code user:} channels are not published live:
 * connection-service delivers direct messages through its node inboxes (docs/PROTOCOL.md 6.4).
 */
public final class PublishVerticle extends VerticleBase {

  private static final Logger LOG = LoggerFactory.getLogger(PublishVerticle.class);
  private static final Pattern PUBLISHER = Pattern.compile("[A-Za-z0-9_:.@-]{1,128}");

  private final MeshNode node;
  private final ChannelRules rules;
  private final int maxEventBytes;
  private final int maxChannelsPerUser;
  private final ReplayMetrics metrics;
  private ChannelStore store;

  public PublishVerticle(
      MeshNode node,
      ChannelRules rules,
      int maxEventBytes,
      int maxChannelsPerUser,
      ReplayMetrics metrics) {
    this.node = node;
    this.rules = rules;
    this.maxEventBytes = maxEventBytes;
    this.maxChannelsPerUser = maxChannelsPerUser;
    this.metrics = metrics;
  }

  @Override
  public Future<?> start() {
    store = new ChannelStore(node.hazelcast(), context);
    return BusRequest.consumer(
            vertx.eventBus(),
            Addresses.PUBLISH,
            RequestBody.of(PublishRequest.class),
            this::publish)
        .completion();
  }

  private void publish(BusRequest<PublishRequest> message) {
    Timer.Sample started = Timer.start();
    PublishRequest request = message.body();
    Optional<String> invalid = validate(request);
    if (invalid.isPresent()) {
      metrics.publishRejected();
      message.fail(ErrorCodes.BAD_REQUEST, invalid.get());
      return;
    }
    String json;
    try {
      json = Json.MAPPER.writeValueAsString(request.data());
    } catch (JsonProcessingException e) {
      metrics.publishRejected();
      message.fail(ErrorCodes.BAD_REQUEST, "data is not JSON: " + e.getOriginalMessage());
      return;
    }
    int size = json.getBytes(StandardCharsets.UTF_8).length;
    if (size > maxEventBytes) {
      metrics.publishRejected();
      message.fail(
          ErrorCodes.TOO_LARGE,
          "data is " + size + " bytes of JSON, more than the maximum " + maxEventBytes);
      return;
    }
    String channel = request.channel();
    String publisher =
        request.publisher() == null ? PublishRequest.DEFAULT_PUBLISHER : request.publisher();
    appendWithinCreationLimit(channel, request, publisher, json)
        .onSuccess(
            result -> {
              String noQuorum = node.quorumProblem();
              if (noQuorum != null) {
                // The append returned, but this side of the cluster may be the one a merge
                // discards: Hazelcast also
                // completes a write whose backup member left this member's view. Acknowledge
                // nothing and announce
                // nothing; the publisher retries with the same id, on a quorate side.
                metrics.publishRejected();
                LOG.warn(
                    "event=publish-refused channel={} id={} cause=\"no quorum: {}\"",
                    channel,
                    request.id(),
                    noQuorum);
                message.fail(
                    ErrorCodes.UNAVAILABLE, "no quorum (" + noQuorum + "): retry with the same id");
                return;
              }
              announce(channel, request, result);
              message.reply(
                  new PublishResult(
                      channel,
                      result.epoch(),
                      result.seq(),
                      Instant.ofEpochMilli(result.tsMillis()),
                      result.duplicate()));
              started.stop(metrics.publishLatency());
            })
        .onFailure(
            failure -> {
              if (failure instanceof CreationLimit limit) {
                metrics.publishRejected();
                message.fail(ErrorCodes.LIMIT_REACHED, limit.getMessage());
                return;
              }
              LOG.warn(
                  "event=publish-failed channel={} id={} cause=\"{}\"",
                  channel,
                  request.id(),
                  failure.toString());
              message.fail(StoreFailures.code(failure), StoreFailures.message(failure));
            });
  }

  /**
   * Appends; a user's publish to a channel that has no history must first fit the user's
   * channel-creation limit (counted cluster-wide in {@code mesh.replay.creators}), so that no user
   * can create replicated state without bound. Services (no {@code userId}) and publishes to
   * existing channels are not counted.
   */
  private Future<AppendResult> appendWithinCreationLimit(
      String channel, PublishRequest request, String publisher, String json) {
    var policy = rules.policyFor(channel);
    String userId = request.userId();
    boolean capped = userId != null && !channel.equals(ReplayClient.userChannel(userId));
    return store
        .append(
            channel,
            request.id(),
            publisher,
            json,
            request.critical(),
            userId,
            request.connectionId(),
            !capped,
            policy)
        .compose(
            result ->
                result != null
                    ? Future.succeededFuture(result)
                    : store
                        .reserveCreation(userId, maxChannelsPerUser, rules.idle().toMillis())
                        .compose(
                            allowed ->
                                allowed
                                    ? store.append(
                                        channel,
                                        request.id(),
                                        publisher,
                                        json,
                                        request.critical(),
                                        userId,
                                        request.connectionId(),
                                        true,
                                        policy)
                                    : Future.failedFuture(
                                        new CreationLimit(
                                            "user "
                                                + userId
                                                + " may create at most "
                                                + maxChannelsPerUser
                                                + " channels per "
                                                + rules.idle().toMinutes()
                                                + " min (MESH_MAX_CHANNELS_PER_USER): publish to an existing channel"))));
  }

  /** The user's channel-creation limit refused a publish to a new channel. */
  private static final class CreationLimit extends RuntimeException {
    CreationLimit(String message) {
      super(message, null, false, false);
    }
  }

  private void announce(String channel, PublishRequest request, AppendResult result) {
    Envelope envelope;
    if (result.duplicate()) {
      metrics.dedupeHit();
      // The original's content, which may differ from the retry's; null when it has left the
      // history.
      envelope = result.event() == null ? null : result.event().toEnvelope(channel, result.epoch());
    } else {
      metrics.appended(result.retained());
      envelope =
          new Envelope(
              channel,
              result.epoch(),
              result.seq(),
              request.id(),
              Instant.ofEpochMilli(result.tsMillis()),
              request.data(),
              request.critical(),
              request.userId(),
              request.connectionId());
    }
    if (envelope != null && !channel.startsWith(ReplayClient.USER_CHANNEL_PREFIX)) {
      vertx.eventBus().publish(Addresses.channel(channel), envelope);
    }
  }

  private static Optional<String> validate(PublishRequest request) {
    if (request == null) {
      return Optional.of("a PublishRequest body is required");
    }
    return ClientIds.checkChannel(request.channel())
        .or(() -> ClientIds.checkId("id", request.id()))
        .or(
            () ->
                request.data() == null || request.data().isNull()
                    ? Optional.of("data is required and must not be null")
                    : Optional.empty())
        .or(
            () ->
                request.publisher() != null && !PUBLISHER.matcher(request.publisher()).matches()
                    ? Optional.of("publisher must be 1-128 characters of A-Z a-z 0-9 _ - : . @")
                    : Optional.empty())
        .or(
            () ->
                request.userId() == null
                    ? Optional.empty()
                    : ClientIds.checkUserId("userId", request.userId()))
        .or(
            () ->
                request.connectionId() != null
                        && (request.userId() == null
                            || ClientIds.checkId("connectionId", request.connectionId())
                                .isPresent())
                    ? Optional.of("connectionId must be a valid id, and only with a userId")
                    : Optional.empty());
  }
}
