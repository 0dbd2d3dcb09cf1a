package dev.mesh.connection.session;

import dev.mesh.common.events.Transport;
import java.util.ArrayList;
import java.util.Collection;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * One event loop's sessions, by connection id and by user. Owned by that loop; the counts per
 * transport may be read from any thread (the node's totals sum the loops).
 */
public final class SessionIndex {

  private final Map<String, Session> byId = new HashMap<>();
  private final Map<String, List<Session>> byUser = new HashMap<>();
  // Every kind is put here once: the map is never changed after construction, so any thread may
  // read it.
  private final Map<Transport, AtomicInteger> byTransport = new EnumMap<>(Transport.class);

  public SessionIndex() {
    for (Transport transport : Transport.values()) {
      byTransport.put(transport, new AtomicInteger());
    }
  }

  public void add(Session session) {
    byId.put(session.id(), session);
    byUser.computeIfAbsent(session.userId(), u -> new ArrayList<>(2)).add(session);
    byTransport.get(session.transport().kind()).incrementAndGet();
  }

  public boolean remove(Session session) {
    if (byId.remove(session.id()) == null) {
      return false;
    }
    List<Session> sessions = byUser.get(session.userId());
    if (sessions != null) {
      sessions.remove(session);
      if (sessions.isEmpty()) {
        byUser.remove(session.userId());
      }
    }
    byTransport.get(session.transport().kind()).decrementAndGet();
    return true;
  }

  public Session get(String connectionId) {
    return byId.get(connectionId);
  }

  public List<Session> ofUser(String userId) {
    List<Session> sessions = byUser.get(userId);
    return sessions == null ? List.of() : List.copyOf(sessions);
  }

  public Collection<Session> all() {
    return List.copyOf(byId.values());
  }

  public int size() {
    return byId.size();
  }

  public int users() {
    return byUser.size();
  }

  /** Safe to read from a metrics thread. */
  public int count(Transport transport) {
    return byTransport.get(transport).get();
  }
}
