package dev.mesh.bench.load;

import static org.assertj.core.api.Assertions.assertThat;

import dev.mesh.bench.client.Endpoint;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Endpoint order: page i starts on node i % k; the pages of a lost node spread over the others")
class EndpointOrderTest {

  private static final List<Endpoint> TWO = List.of(Endpoint.loopback(1), Endpoint.loopback(2));
  private static final List<Endpoint> THREE =
      List.of(Endpoint.loopback(1), Endpoint.loopback(2), Endpoint.loopback(3));

  @Test
  @DisplayName("two nodes: first i % 2, then the other")
  void two() {
    assertThat(PageHost.endpointOrder(TWO, 0)).containsExactly(TWO.get(0), TWO.get(1));
    assertThat(PageHost.endpointOrder(TWO, 7)).containsExactly(TWO.get(1), TWO.get(0));
  }

  @Test
  @DisplayName(
      "three nodes: every order holds each node once, and node 0's pages fall back half to 1, half to 2")
  void three() {
    Map<Endpoint, Integer> fallback = new HashMap<>();
    for (int i = 0; i < 600; i++) {
      List<Endpoint> order = PageHost.endpointOrder(THREE, i);
      assertThat(order).hasSize(3).doesNotHaveDuplicates().startsWith(THREE.get(i % 3));
      if (i % 3 == 0) {
        fallback.merge(order.get(1), 1, Integer::sum);
      }
    }
    assertThat(fallback).containsOnlyKeys(THREE.get(1), THREE.get(2));
    assertThat(fallback.get(THREE.get(1))).isEqualTo(100);
    assertThat(fallback.get(THREE.get(2))).isEqualTo(100);
  }
}
