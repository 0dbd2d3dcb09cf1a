package dev.mesh.common.replay.store;

import dev.mesh.common.protocol.Position;
import dev.mesh.common.replay.ResetCause;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One channel's history: its epoch, the seq of its newest event ({@code head}), the retained events
 * (contiguous seqs, oldest first) and the message ids seen within the dedupe window. Mutable, and
 * only ever touched by entry processors on the partition thread of its key, which serialises every
 * access.
 */
public final class ChannelLog {

  final String epoch;
  long head;
  long lastTsMillis;
  final ArrayDeque<StoredEvent> events = new ArrayDeque<>();

  /**
   * Dedupe key (publisher and message id) to (seq, ts), in append order, which is also ts order.
   */
  final LinkedHashMap<String, long[]> recentIds = new LinkedHashMap<>();

  public ChannelLog(String epoch) {
    this.epoch = epoch;
  }

  public String epoch() {
    return epoch;
  }

  public long head() {
    return head;
  }

  public int size() {
    return events.size();
  }

  /**
   * Appends an event unless its dedupe key is in the dedupe window, in which case the original is
   * returned.
   */
  AppendResult append(
      String id,
      String dedupeKey,
      String json,
      boolean critical,
      long nowMillis,
      ChannelPolicy policy) {
    return append(id, dedupeKey, json, critical, null, null, nowMillis, policy);
  }

  /**
   * As above, with the attested publisher the event carries ({@code userId}, {@code connectionId};
   * may be null).
   */
  AppendResult append(
      String id,
      String dedupeKey,
      String json,
      boolean critical,
      String userId,
      String connectionId,
      long nowMillis,
      ChannelPolicy policy) {
    trim(nowMillis, policy);
    long[] seen = recentIds.get(dedupeKey);
    if (seen != null) {
      return new AppendResult(epoch, seen[0], seen[1], true, events.size(), eventAt(seen[0]));
    }
    long ts = Math.max(lastTsMillis, nowMillis);
    StoredEvent event = new StoredEvent(++head, id, ts, json, critical, userId, connectionId);
    lastTsMillis = ts;
    events.addLast(event);
    if (policy.dedupeMaxIds() > 0 && policy.dedupeWindowMillis() > 0) {
      recentIds.put(dedupeKey, new long[] {event.seq(), ts});
    }
    trim(nowMillis, policy);
    // The caller has the event already: only a duplicate's original is sent back.
    return new AppendResult(epoch, event.seq(), ts, false, events.size(), null);
  }

  private void trim(long nowMillis, ChannelPolicy policy) {
    long oldest = nowMillis - policy.ttlMillis();
    while (!events.isEmpty()
        && (events.size() > policy.capacity() || events.peekFirst().tsMillis() < oldest)) {
      events.pollFirst();
    }
    long oldestId = nowMillis - policy.dedupeWindowMillis();
    Iterator<long[]> ids = recentIds.values().iterator();
    while (ids.hasNext()) {
      long[] seen = ids.next();
      if (recentIds.size() <= policy.dedupeMaxIds() && seen[1] >= oldestId) {
        break;
      }
      ids.remove();
    }
  }

  /**
   * Seq of the first event not older than the policy's ttl at {@code nowMillis}; {@code head + 1}
   * when none.
   */
  private long retainedFrom(long nowMillis, ChannelPolicy policy) {
    long oldest = nowMillis - policy.ttlMillis();
    long seq = head - events.size() + 1;
    for (StoredEvent event : events) {
      if (event.tsMillis() >= oldest) {
        return seq;
      }
      seq++;
    }
    return head + 1;
  }

  private StoredEvent eventAt(long seq) {
    long first = head - events.size() + 1;
    if (seq < first || seq > head) {
      return null;
    }
    // ArrayDeque has no index access; events are few hundred at most, and this runs only on a
    // dedupe hit.
    Iterator<StoredEvent> it = events.iterator();
    for (long i = first; i < seq; i++) {
      it.next();
    }
    return it.next();
  }

  /**
   * Events after {@code afterSeq} of {@code afterEpoch} (or from the oldest retained when {@code
   * afterEpoch} is null), at most {@code limit}, or a reset when that range is not entirely in the
   * history.
   */
  ReadResult read(
      String afterEpoch, long afterSeq, int limit, long nowMillis, ChannelPolicy policy) {
    long retainedFrom = retainedFrom(nowMillis, policy);
    long start;
    if (afterEpoch == null) {
      start = retainedFrom - 1;
    } else if (Position.UNBORN_EPOCH.equals(afterEpoch) && afterSeq == 0) {
      // Subscribed before the channel had a history: this epoch is its first, read from its first
      // event on.
      if (retainedFrom > 1) {
        return ReadResult.reset(epoch, head, ResetCause.POSITION_TOO_OLD);
      }
      start = 0;
    } else if (!epoch.equals(afterEpoch)) {
      return ReadResult.reset(epoch, head, ResetCause.EPOCH_CHANGED);
    } else if (afterSeq > head) {
      return ReadResult.reset(epoch, head, ResetCause.AHEAD);
    } else if (afterSeq < retainedFrom - 1) {
      return ReadResult.reset(epoch, head, ResetCause.POSITION_TOO_OLD);
    } else {
      start = afterSeq;
    }
    long end = Math.min(head, start + limit);
    List<StoredEvent> page = new ArrayList<>((int) (end - start));
    long seq = head - events.size() + 1;
    for (StoredEvent event : events) {
      if (seq > end) {
        break;
      }
      if (seq > start) {
        page.add(event);
      }
      seq++;
    }
    return new ReadResult(epoch, head, page, end < head, null, end);
  }

  /**
   * Retained critical events after {@code afterSeq}, at most {@code limit}; {@code more} if others
   * follow.
   */
  ReadResult criticalAfter(long afterSeq, int limit, long nowMillis, ChannelPolicy policy) {
    long retainedFrom = retainedFrom(nowMillis, policy);
    List<StoredEvent> page = new ArrayList<>();
    boolean more = false;
    long last = afterSeq;
    for (StoredEvent event : events) {
      if (event.seq() < retainedFrom || event.seq() <= afterSeq || !event.critical()) {
        continue;
      }
      if (page.size() == limit) {
        more = true;
        break;
      }
      page.add(event);
      last = event.seq();
    }
    return new ReadResult(epoch, head, page, more, null, last);
  }

  /**
   * Whether this log continues {@code older}: same epoch, and the event at {@code older}'s head is
   * this log's event at that seq (same message id and time, found among the retained events or in
   * the dedupe window). An empty {@code older} is continued by any log of its epoch. When the head
   * event cannot be found in either log, the histories cannot be shown equal, and the answer is
   * false.
   */
  boolean continues(ChannelLog older) {
    if (!epoch.equals(older.epoch) || older.head > head) {
      return false;
    }
    if (older.head == 0) {
      return true;
    }
    StoredEvent last = older.events.peekLast();
    if (last != null && last.seq() == older.head) {
      StoredEvent mine = eventAt(older.head);
      if (mine != null) {
        return mine.id().equals(last.id()) && mine.tsMillis() == last.tsMillis();
      }
    }
    for (Map.Entry<String, long[]> seen : older.recentIds.entrySet()) {
      if (seen.getValue()[0] == older.head) {
        long[] mine = recentIds.get(seen.getKey());
        return mine != null && mine[0] == older.head && mine[1] == seen.getValue()[1];
      }
    }
    return false;
  }

  /** For tests and diagnostics: the dedupe keys currently remembered. */
  Map<String, Long> recentIds() {
    Map<String, Long> copy = new LinkedHashMap<>();
    recentIds.forEach((id, seen) -> copy.put(id, seen[0]));
    return copy;
  }
}
