package dev.mesh.connection.edge;

import dev.mesh.common.protocol.Envelope;
import dev.mesh.connection.session.Frames;

import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The {@code event} frames of recent events, encoded once per node. An event is immutable once it has a seq in an
 * epoch, so every session gets the same text; when thousands of pages resume together each used to encode the same
 * history events for itself (a fifth of a connection node's CPU in a profile of 2,000 pages resuming).
 */
final class EventFrames {

  private final Map<String, String> recent;

  EventFrames(int capacity) {
    recent = new LinkedHashMap<>(capacity * 2, 0.75f, true) {
      @Override
      protected boolean removeEldestEntry(Map.Entry<String, String> eldest) {
        return size() > capacity;
      }
    };
  }

  /** The frame of {@code event}, encoded now or reused. */
  synchronized String of(Envelope event) {
    String key = event.channel() + '\u0000' + event.epoch() + '\u0000' + event.seq();
    String frame = recent.get(key);
    if (frame == null) {
      frame = Frames.event(event);
      recent.put(key, frame);
    }
    return frame;
  }
}
