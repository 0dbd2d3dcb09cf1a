package dev.mesh.connection.edge;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.session.Frames;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code event} frames of recent events, and their items in {@code events} batches, encoded
 * once per node. An event is immutable once it has a seq in an epoch, so every session gets the
 * same text; when thousands of pages resume together each used to encode the same history events
 * for itself (a fifth of a connection node's CPU in a profile of 2,000 pages resuming).
 */
final class EventFrames {

  private final Map<String, String> frames;
  private final Map<String, String> items;

  EventFrames(int capacity) {
    frames = lru(capacity);
    items = lru(capacity);
  }

  private static Map<String, String> lru(int capacity) {
    return new LinkedHashMap<>(capacity * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > capacity;
      }
    };
  }

  private static String key(Envelope event) {
    return event.channel() + '\u0000' + event.epoch() + '\u0000' + event.seq();
  }

  /** The {@code event} frame of {@code event}, encoded now or reused. */
  synchronized String of(Envelope event) {
    return frames.computeIfAbsent(key(event), k -> Frames.event(event));
  }

  /** The item of {@code event} in a batch of events, encoded now or reused. */
  synchronized String item(Envelope event) {
    return items.computeIfAbsent(key(event), k -> Frames.eventItem(event));
  }
}
