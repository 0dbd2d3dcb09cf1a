package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.protocol.CloseCode;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("A disconnect: code, reason, message and retry hint as one value")
class DisconnectTest {

  @Test
  @DisplayName("the close frame carries the retry hint when there is one, else the reason")
  void closeFrameReason() {
    assertThat(Disconnect.serverShutdown(1234).closeFrameReason()).isEqualTo("retry-after=1234");
    assertThat(Disconnect.rotated().closeFrameReason()).isEqualTo("retry-after=0");
    assertThat(Disconnect.replaced("m").closeFrameReason()).isEqualTo("replaced");
    assertThat(new Disconnect(CloseCode.KICKED, CloseReason.KICKED, "bye").closeFrameReason())
        .isEqualTo("kicked");
  }

  @Test
  @DisplayName("the named disconnects pair each code with its reason")
  void factories() {
    assertThat(Disconnect.heartbeatTimeout(35_000))
        .isEqualTo(
            new Disconnect(
                CloseCode.HEARTBEAT_TIMEOUT,
                CloseReason.HEARTBEAT_TIMEOUT,
                "no traffic for 35000 ms",
                null));
    assertThat(Disconnect.rotated())
        .isEqualTo(
            new Disconnect(CloseCode.ROTATED, CloseReason.ROTATED, "maximum lifetime reached", 0L));
    assertThat(Disconnect.slowConsumer(null))
        .isEqualTo(new Disconnect(CloseCode.SLOW_CONSUMER, CloseReason.SLOW_CONSUMER, null));
    assertThat(Disconnect.serverShutdown(5))
        .isEqualTo(
            new Disconnect(
                CloseCode.GOING_AWAY, CloseReason.SERVER_SHUTDOWN, "node is shutting down", 5L));
    assertThat(Disconnect.clientClosed())
        .isEqualTo(new Disconnect(CloseCode.NORMAL, CloseReason.CLIENT_NORMAL, null));
    assertThat(Disconnect.replaced("x").code()).isEqualTo(CloseCode.REPLACED);
    assertThat(Disconnect.replaced("x").reason()).isEqualTo(CloseReason.REPLACED);
    assertThat(Disconnect.policy(CloseCode.FORBIDDEN, "no").reason()).isEqualTo(CloseReason.POLICY);
    assertThat(Disconnect.policy(CloseCode.FORBIDDEN, "no").retryAfterMs()).isNull();
  }

  @Test
  @DisplayName("needs a reason: the closed event reports it")
  void reasonRequired() {
    assertThatThrownBy(() -> new Disconnect(CloseCode.NORMAL, null, null))
        .isInstanceOf(NullPointerException.class);
  }
}
