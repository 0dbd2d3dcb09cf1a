package dev.mesh.connection.http;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.vertx.core.MultiMap;
import io.vertx.core.net.SocketAddress;
import java.util.List;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("The client address behind X-Forwarded-For, believed only from trusted proxies")
class ClientAddressTest {

  private static MultiMap xff(String... values) {
    MultiMap headers = MultiMap.caseInsensitiveMultiMap();
    for (String value : values) {
      headers.add("X-Forwarded-For", value);
    }
    return headers;
  }

  @Test
  @DisplayName("without trusted proxies the header is ignored: anyone can send it")
  void ignoredWithoutTrust() {
    ClientAddress direct = ClientAddress.direct();
    assertThat(direct.of(SocketAddress.inetSocketAddress(5000, "203.0.113.7"), xff("198.51.100.1")))
        .isEqualTo("203.0.113.7");
  }

  @Test
  @DisplayName(
      "from a trusted proxy: the right-most untrusted hop; forged left-most entries never win")
  void rightMostUntrusted() {
    ClientAddress trusting = ClientAddress.trusting(List.of("10.0.0.0/8", "192.168.1.5"));
    SocketAddress proxy = SocketAddress.inetSocketAddress(5000, "10.1.2.3");
    assertThat(trusting.of(proxy, xff("198.51.100.1"))).isEqualTo("198.51.100.1");
    assertThat(trusting.of(proxy, xff("6.6.6.6, 198.51.100.1, 192.168.1.5")))
        .isEqualTo("198.51.100.1");
    assertThat(trusting.of(proxy, xff("6.6.6.6", "198.51.100.1, 10.9.9.9")))
        .isEqualTo("198.51.100.1");
    assertThat(trusting.of(proxy, xff("not-an-ip")))
        .as("garbage: the proxy itself")
        .isEqualTo("10.1.2.3");
    assertThat(trusting.of(proxy, xff("198.51.100.1,")))
        .as("an empty hop (a trailing comma) is garbage too")
        .isEqualTo("10.1.2.3");
    assertThat(trusting.of(proxy, MultiMap.caseInsensitiveMultiMap())).isEqualTo("10.1.2.3");
    assertThat(
            trusting.of(SocketAddress.inetSocketAddress(5000, "203.0.113.7"), xff("198.51.100.1")))
        .as("an untrusted peer's header")
        .isEqualTo("203.0.113.7");
    ClientAddress v6 = ClientAddress.trusting(List.of("::1", "fd00::/8"));
    assertThat(v6.of(SocketAddress.inetSocketAddress(5000, "fd00::1"), xff("2001:db8::1")))
        .isEqualTo("2001:db8::1");
  }

  @Test
  @DisplayName("host names and bad prefixes are refused (no DNS on this path)")
  void refusesBadEntries() {
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("proxy.internal")))
        .hasMessageContaining("not an IP");
    assertThatThrownBy(() -> ClientAddress.trusting(List.of("10.0.0.0/33")))
        .hasMessageContaining("prefix");
  }
}
