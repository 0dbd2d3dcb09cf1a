package dev.mesh.connection.edge;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.frames.ErrorCode;
import dev.mesh.connection.ops.ConnectionMetrics;
import dev.mesh.connection.session.Disconnect;
import dev.mesh.connection.session.Frames;
import dev.mesh.connection.session.Session;
import dev.mesh.connection.session.SessionTransport;
import dev.mesh.connection.session.Subscription;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Everything written to a client goes through here: counted, and subject to the outbound bounds
 * (docs/PROTOCOL.md §11.2). Non-critical events may be dropped for a slow reader, announced by a
 * {@code gap} frame before that channel's next event; anything else waits up to the hard bound,
 * past which the connection closes as slow-consumer.
 */
public final class Outbound {

  private final ConnectionMetrics metrics;
  private final BiConsumer<Session, Disconnect> closeWithoutGoodbye;

  /**
   * {@code closeWithoutGoodbye} closes a connection whose queue overflowed: the lifecycle, built
   * after this.
   */
  Outbound(ConnectionMetrics metrics, BiConsumer<Session, Disconnect> closeWithoutGoodbye) {
    this.metrics = metrics;
    this.closeWithoutGoodbye = closeWithoutGoodbye;
  }

  /** Sends a control or reply frame: never dropped. */
  public void send(Session session, String frame) {
    write(session, frame, false);
  }

  /**
   * Sends a live event of a subscription (already deduplicated by the merge); non-critical ones may
   * be dropped.
   */
  public void event(Session session, Subscription subscription, Envelope event, String frame) {
    event(session, subscription, event, frame, !event.critical());
  }

  /**
   * Sends an event; {@code droppable} false for what the client explicitly asked for (history of a
   * resume, a gap fill): that is queued up to the hard bound, never silently dropped.
   */
  public void event(
      Session session, Subscription subscription, Envelope event, String frame, boolean droppable) {
    // While the reader is still behind, further drops are just counted: one gap frame announces
    // them all once the queue has room again, right before the next event that is really sent.
    // The congestion is asked only when a gap is pending: the write asks it anyway.
    if (subscription.droppedPending() > 0 && !(droppable && session.transport().congested())) {
      write(session, Frames.gap(subscription.channel(), subscription.takeDropped()), false);
    }
    SessionTransport.Outcome outcome = write(session, frame, droppable);
    if (outcome == SessionTransport.Outcome.DROPPED) {
      subscription.countDropped();
      metrics.messagesDropped.increment();
    } else if (outcome == SessionTransport.Outcome.SENT && event.ts() != null) {
      // The same clock as Instant.now(), without an Instant per delivery.
      long latency = Math.max(0, System.currentTimeMillis() - event.ts().toEpochMilli());
      metrics.deliveryLatency.record(latency, TimeUnit.MILLISECONDS);
    }
  }

  /**
   * Sends replayed events of one channel and epoch as one {@code events} frame (PROTOCOL 6.2,
   * history batches): one write and one flush for the whole page instead of one per event. Asked
   * for explicitly, so never dropped.
   */
  public void events(
      Session session, Subscription subscription, java.util.List<Envelope> events, String frame) {
    if (subscription.droppedPending() > 0) {
      write(session, Frames.gap(subscription.channel(), subscription.takeDropped()), false);
    }
    if (write(session, frame, false) == SessionTransport.Outcome.SENT) {
      long now = System.currentTimeMillis();
      for (Envelope event : events) {
        if (event.ts() != null) {
          metrics.deliveryLatency.record(
              Math.max(0, now - event.ts().toEpochMilli()), TimeUnit.MILLISECONDS);
        }
      }
      metrics.historyBatchEvents.record(events.size());
    }
  }

  private SessionTransport.Outcome write(Session session, String frame, boolean droppable) {
    if (session.isClosingOrClosed()) {
      return SessionTransport.Outcome.DROPPED;
    }
    SessionTransport.Outcome outcome = session.transport().send(frame, droppable);
    switch (outcome) {
      case SENT -> {
        metrics.messagesOut.increment();
        metrics.bytesOut.increment(frame.length());
      }
      case OVERFLOW -> closeWithoutGoodbye.accept(session, Disconnect.slowConsumer(null));
      case DROPPED -> {}
    }
    return outcome;
  }

  /**
   * The queue drained: announce what was dropped meanwhile, without waiting for the channels' next
   * events.
   */
  public void drained(Session session) {
    for (Subscription subscription : session.subscriptions()) {
      if (subscription.droppedPending() > 0) {
        write(session, Frames.gap(subscription.channel(), subscription.takeDropped()), false);
      }
    }
  }

  public void error(Session session, String id, ErrorCode code, String message) {
    metrics.errorFrames.increment();
    send(session, Frames.error(id, code, message));
  }
}
