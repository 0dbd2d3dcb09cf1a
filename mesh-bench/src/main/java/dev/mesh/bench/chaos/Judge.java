package dev.mesh.bench.chaos;

import dev.mesh.bench.client.PageClient;
import dev.mesh.common.presence.PresenceChange;
import dev.mesh.common.presence.PresenceStatus;
import dev.mesh.common.presence.UserPresence;
import dev.mesh.common.registry.RegistryEntry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

/**
 * The invariants every membership scenario is judged by (docs/MEMBERSHIP.md): each acknowledged
 * event reaches every page exactly once or is announced to it ({@code reset}/{@code gap}); the
 * registry ends equal to the live sockets; presence ends correct, and no user whose page stayed
 * connected or came back within the grace period ever read {@code offline}.
 */
final class Judge {

  private final List<String> violations;

  Judge(List<String> violations) {
    this.violations = violations;
  }

  private void check(boolean holds, String violation) {
    if (!holds) {
      violations.add(violation);
    }
  }

  /**
   * Publishing has stopped: waits for every ack and every page to catch up, then checks the events.
   */
  Traffic.Tally events(Traffic traffic) {
    boolean acknowledged =
        Traffic.await(Duration.ofSeconds(60), () -> traffic.unacknowledged() == 0);
    boolean caughtUp = Traffic.await(Duration.ofSeconds(60), traffic::caughtUp);
    Traffic.Tally tally = traffic.tally();
    check(tally.acked() > 0, "nothing was acknowledged");
    check(acknowledged, traffic.unacknowledged() + " publishes never acknowledged");
    check(caughtUp, "not every page resumed and caught up within 60 s");
    check(
        tally.lost() == 0,
        tally.lost()
            + " acknowledged events silently lost over "
            + tally.pagesWithLoss()
            + " pages ("
            + traffic.missing(10)
            + ")"
            + traffic.lossReport());
    check(
        tally.duplicates() == 0,
        tally.duplicates()
            + " duplicates over "
            + tally.pagesWithDuplicates()
            + " pages"
            + traffic.duplicateReport());
    return tally;
  }

  private static List<PageClient> pages(Traffic traffic) {
    return Stream.concat(traffic.subscribers().stream(), traffic.publishers().stream()).toList();
  }

  /**
   * The cluster's shared routing tables are whole again (within {@code within}): they hold no
   * subscription of a node that left (a request routed to one would wait for a reply that never
   * comes), and every member's event bus can be found (else replies to it are lost). What each node
   * has cached of them is not visible from here.
   */
  void busRouting(ClusterObserver observer, Duration within) {
    String[] last = new String[1];
    boolean whole =
        Traffic.await(
            within,
            () -> {
              try {
                List<String> ghosts = observer.ghostSubscriptions();
                List<String> unreachable = observer.unreachableMembers();
                last[0] =
                    "subscriptions of departed nodes "
                        + ghosts
                        + ", members without a node entry "
                        + unreachable;
                return ghosts.isEmpty() && unreachable.isEmpty();
              } catch (RuntimeException e) {
                // The referee's own member may be unable to read them for a moment: asked again.
                last[0] = "unreadable: " + e;
                return false;
              }
            });
    check(whole, "event-bus routing after " + within.toSeconds() + " s: " + last[0]);
  }

  /**
   * The registry ends equal to the live connections (each node repairs its own entries every few
   * seconds).
   */
  void registry(ClusterObserver observer, Traffic traffic, Duration within) {
    Set<String>[] last = new Set[2];
    boolean equal =
        Traffic.await(
            within,
            () -> {
              Set<String> live =
                  pages(traffic).stream()
                      .filter(PageClient::isConnected)
                      .map(PageClient::connectionId)
                      .collect(Collectors.toSet());
              Set<String> registered =
                  observer.registry().stream()
                      .map(RegistryEntry::connectionId)
                      .collect(Collectors.toSet());
              last[0] = live;
              last[1] = registered;
              return live.size() == pages(traffic).size() && registered.equals(live);
            });
    if (!equal) {
      Set<String> ghosts =
          last[1].stream().filter(id -> !last[0].contains(id)).collect(Collectors.toSet());
      Set<String> missing =
          last[0].stream().filter(id -> !last[1].contains(id)).collect(Collectors.toSet());
      violations.add(
          "registry "
              + last[1].size()
              + " entries vs "
              + last[0].size()
              + " live connections (of "
              + pages(traffic).size()
              + " pages) after "
              + within.toSeconds()
              + " s: ghosts "
              + ghosts
              + ", missing "
              + missing);
    }
  }

  /**
   * Every page's user reads {@code online} (within {@code within}), and no user ever read {@code
   * offline}: every page stayed connected or came back within the grace period.
   */
  void presence(ClusterObserver observer, Traffic traffic, Duration within) {
    List<String> users = pages(traffic).stream().map(PageClient::userId).distinct().toList();
    List<UserPresence>[] last = new List[1];
    boolean online =
        Traffic.await(
            within,
            () -> {
              last[0] = observer.presenceOf(users);
              return last[0].size() == users.size()
                  && last[0].stream()
                      .allMatch(u -> u.status() == PresenceStatus.ONLINE && u.connections() > 0);
            });
    if (!online) {
      violations.add(
          "presence after "
              + within.toSeconds()
              + " s: "
              + (last[0] == null || last[0].size() != users.size()
                  ? "presence answered for "
                      + (last[0] == null ? 0 : last[0].size())
                      + " of "
                      + users.size()
                      + " users ("
                      + observer.whyPresenceUnanswered()
                      + ")"
                  : "not online: "
                      + last[0].stream()
                          .filter(u -> u.status() != PresenceStatus.ONLINE || u.connections() == 0)
                          .map(
                              u -> u.userId() + "=" + u.status().wireName() + "/" + u.connections())
                          .toList()));
    }
    List<String> flickered =
        users.stream()
            .filter(user -> observer.presenceChanges(user).contains(PresenceChange.OFFLINE))
            .toList();
    check(
        flickered.isEmpty(),
        "users read offline although their page stayed or came back within the grace: "
            + flickered.stream().limit(5).map(u -> u + " " + observer.presenceChanges(u)).toList());
  }
}
