package dev.mesh.connection.session;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.mesh.common.events.CloseReason;
import dev.mesh.common.protocol.CloseCodes;
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
    assertThat(new Disconnect(CloseCodes.KICKED, CloseReason.KICKED, "bye").closeFrameReason())
        .isEqualTo("kicked");
  }

  @Test
  @DisplayName("the named disconnects pair each code with its reason")
  void factories() {
    assertThat(Disconnect.heartbeatTimeout(35_000))
        .isEqualTo(
            new Disconnect(
                CloseCodes.HEARTBEAT_TIMEOUT,
                CloseReason.HEARTBEAT_TIMEOUT,
                "no traffic for 35000 ms",
                null));
    assertThat(Disconnect.rotated())
        .isEqualTo(
            new Disconnect(
                CloseCodes.ROTATED, CloseReason.ROTATED, "maximum lifetime reached", 0L));
    assertThat(Disconnect.slowConsumer(null))
        .isEqualTo(new Disconnect(CloseCodes.SLOW_CONSUMER, CloseReason.SLOW_CONSUMER, null));
    assertThat(Disconnect.serverShutdown(5))
        .isEqualTo(
            new Disconnect(
                CloseCodes.GOING_AWAY, CloseReason.SERVER_SHUTDOWN, "node is shutting down", 5L));
    assertThat(Disconnect.clientClosed())
        .isEqualTo(new Disconnect(CloseCodes.NORMAL, CloseReason.CLIENT_NORMAL, null));
    assertThat(Disconnect.replaced("x").code()).isEqualTo(CloseCodes.REPLACED);
    assertThat(Disconnect.replaced("x").reason()).isEqualTo(CloseReason.REPLACED);
    assertThat(Disconnect.policy(CloseCodes.FORBIDDEN, "no").reason())
        .isEqualTo(CloseReason.POLICY);
    assertThat(Disconnect.policy(CloseCodes.FORBIDDEN, "no").retryAfterMs()).isNull();
  }

  @Test
  @DisplayName("needs a reason: the closed event reports it")
  void reasonRequired() {
    assertThatThrownBy(() -> new Disconnect(CloseCodes.NORMAL, null, null))
        .isInstanceOf(NullPointerException.class);
  }
}
