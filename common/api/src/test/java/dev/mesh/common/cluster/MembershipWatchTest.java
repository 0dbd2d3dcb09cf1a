package dev.mesh.common.cluster;

import static org.assertj.core.api.Assertions.assertThat;

import com.hazelcast.cluster.Address;
import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.impl.MemberImpl;
import com.hazelcast.version.MemberVersion;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A membership watch reports each change once, from an event or from a look")
class MembershipWatchTest {

  private final List<MembershipChange> reported = new ArrayList<>();
  private Member a;
  private Member b;

  @BeforeEach
  void twoMembers() throws UnknownHostException {
    a = member("a", 5701);
    b = member("b", 5702);
  }

  private static MembershipChange left(String nodeId, int members) {
    return new MembershipChange(MembershipChange.Kind.LEFT, nodeId, members);
  }

  private static MembershipChange joined(String nodeId, int members) {
    return new MembershipChange(MembershipChange.Kind.JOINED, nodeId, members);
  }

  private static Member member(String nodeId, int port) throws UnknownHostException {
    return new MemberImpl.Builder(new Address("127.0.0.1", port))
        .uuid(UUID.randomUUID())
        .version(MemberVersion.of("5.3.8"))
        .attributes(Map.of("__vertx.nodeId", nodeId))
        .build();
  }

  @Test
  @DisplayName("a departure seen in the member list first is not reported again by its late event")
  void lookThenLateEvent() throws UnknownHostException {
    MembershipWatch watch = new MembershipWatch(reported::add, List.of(a, b));

    watch.reconcile(List.of(a));
    watch.left(b);
    watch.reconcile(List.of(a));

    assertThat(reported).containsExactly(new MembershipChange(MembershipChange.Kind.LEFT, "b", 1));
  }

  @Test
  @DisplayName("a departure reported by its event is not reported again by the next look")
  void eventThenLook() throws UnknownHostException {
    MembershipWatch watch = new MembershipWatch(reported::add, List.of(a, b));

    watch.left(b);
    watch.reconcile(List.of(a));

    assertThat(reported).containsExactly(new MembershipChange(MembershipChange.Kind.LEFT, "b", 1));
  }

  @Test
  @DisplayName("a member that joined and left between two looks is reported joined, then left")
  void joinedAndLeftBetweenLooks() throws UnknownHostException {
    Member brief = member("brief", 5703);
    MembershipWatch watch = new MembershipWatch(reported::add, List.of(a));

    watch.left(brief);
    watch.joined(brief);
    watch.reconcile(List.of(a));

    assertThat(reported).containsExactly(joined("brief", 2), left("brief", 1));
  }

  @Test
  @DisplayName("a member back with a new UUID (restart, merge) is a new member")
  void comebackIsANewMember() throws UnknownHostException {
    Member bAgain = member("b", 5702);
    MembershipWatch watch = new MembershipWatch(reported::add, List.of(a, b));

    watch.reconcile(List.of(a, bAgain));
    watch.joined(bAgain);
    watch.left(b);

    assertThat(reported).containsExactly(left("b", 1), joined("b", 2));
  }

  @Test
  @DisplayName("nothing is reported once stopped")
  void stopped() throws UnknownHostException {
    MembershipWatch watch = new MembershipWatch(reported::add, List.of(a, b));

    watch.stop(null);
    watch.left(b);
    watch.reconcile(List.of(a));

    assertThat(reported).isEmpty();
  }
}
