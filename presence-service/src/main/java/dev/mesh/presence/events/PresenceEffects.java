package dev.mesh.presence.events;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import dev.mesh.common.bus.Addresses;
import dev.mesh.common.bus.Json;
import dev.mesh.common.events.CloseReason;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceChanged;
import dev.mesh.common.presence.state.ChannelOutcome;
import dev.mesh.common.presence.state.ClosedConnection;
import dev.mesh.common.presence.state.MemberChange;
import dev.mesh.common.presence.state.UserOutcome;
import dev.mesh.common.presence.state.UserState;
import dev.mesh.presence.ops.PresenceMetrics;
import dev.mesh.presence.ops.PresenceMetrics.Level;
import dev.mesh.presence.store.PresenceStore;
import io.vertx.core.Vertx;
import java.time.Instant;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Carries out what an atomic update did, on the instance that did it: publishes the change, counts
 * it, arms a local timer for a deadline it started (the sweep of every instance is the fallback
 * when this one dies), and makes closed connections leave their channels. Bound to the verticle
 * that owns {@code store}.
 */
public final class PresenceEffects {

  private static final Logger LOG = LoggerFactory.getLogger(PresenceEffects.class);

  private final Vertx vertx;
  private final PresenceStore store;
  private final PresenceMetrics metrics;
  private final ExpiryGate gate;

  public PresenceEffects(
      Vertx vertx, PresenceStore store, PresenceMetrics metrics, ExpiryGate gate) {
    this.vertx = vertx;
    this.store = store;
    this.metrics = metrics;
    this.gate = gate;
  }

  /** {@code closeReason}: why the connections in the outcome closed (null when none did). */
  public void user(String userId, UserOutcome outcome, CloseReason closeReason) {
    if (outcome == null) {
      return;
    }
    metrics.effect(Level.USER, outcome.effect());
    PresenceChange change = outcome.effect().userChange();
    if (change != null) {
      publish(
          new PresenceChanged(
              userId,
              null,
              change,
              outcome.reason(),
              null,
              Instant.ofEpochMilli(outcome.at()),
              outcome.version()));
    }
    if (outcome.deadline() != UserState.NEVER) {
      arm(
          outcome.deadline(),
          () ->
              store
                  .expireUser(userId)
                  .onSuccess(fired -> user(userId, fired, null))
                  .onFailure(
                      e ->
                          LOG.debug(
                              "event=expire-failed user={} cause=\"{}\" (the sweep retries)",
                              userId,
                              e.getMessage())));
    }
    for (ClosedConnection closed : outcome.closed()) {
      for (String channel : closed.channels()) {
        store
            .leave(channel, userId, closed.connectionId(), closeReason)
            .onSuccess(left -> channel(channel, left))
            .onFailure(
                e ->
                    LOG.warn(
                        "event=channel-leave-failed channel={} user={} connection={} cause=\"{}\"",
                        channel,
                        userId,
                        closed.connectionId(),
                        e.getMessage()));
      }
    }
  }

  public void channel(String channel, ChannelOutcome outcome) {
    if (outcome == null) {
      return;
    }
    for (MemberChange member : outcome.changes()) {
      metrics.effect(Level.CHANNEL, member.effect());
      PresenceChange change = member.effect().channelChange();
      if (change != null) {
        publish(
            new PresenceChanged(
                member.userId(),
                channel,
                change,
                member.reason(),
                parse(member.info()),
                Instant.ofEpochMilli(member.at()),
                member.version()));
      }
      if (member.deadline() != UserState.NEVER) {
        arm(
            member.deadline(),
            () ->
                store
                    .expireChannel(channel)
                    .onSuccess(fired -> channel(channel, fired))
                    .onFailure(
                        e ->
                            LOG.debug(
                                "event=expire-failed channel={} cause=\"{}\" (the sweep retries)",
                                channel,
                                e.getMessage())));
      }
    }
  }

  private void publish(PresenceChanged event) {
    vertx.eventBus().publish(Addresses.PRESENCE_EVENTS, event, event.deliveryOptions());
    metrics.published(event.change());
    LOG.debug(
        "event=presence-changed user={} channel={} change={} reason={} version={}",
        event.userId(),
        event.channel(),
        event.change().wireName(),
        event.reason() == null ? null : event.reason().wireName(),
        event.version());
  }

  /** A deadline held by the gate stays stored: the sweep fires it once the gate opens. */
  private void arm(long deadline, Runnable fire) {
    long delay = Math.max(1, deadline - System.currentTimeMillis() + 1);
    vertx.setTimer(
        delay,
        id -> {
          if (gate.open()) {
            fire.run();
          }
        });
  }

  /** Member info as stored (JSON text) to a JSON value; null when absent. */
  public static JsonNode parse(String info) {
    if (info == null) {
      return null;
    }
    try {
      return Json.MAPPER.readTree(info);
    } catch (JsonProcessingException e) {
      return null;
    }
  }
}
