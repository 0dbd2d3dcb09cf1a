package dev.mesh.common.protocol;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Arrays;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName("Close codes: one number each, the kind their range says, read back from the wire")
class CloseCodeTest {

  @Test
  @DisplayName("no two close codes share a number")
  void numbersAreUnique() {
    assertThat(Arrays.stream(CloseCode.values()).mapToInt(CloseCode::code)).doesNotHaveDuplicates();
  }

  @Test
  @DisplayName("application codes lie in the range of their kind; standard codes all reconnect")
  void rangesMatchKinds() {
    for (CloseCode code : CloseCode.values()) {
      int n = code.code();
      assertThat(code.kind()).as("%s", code).isEqualTo(CloseCode.Kind.of(n));
      assertThat(code.shouldReconnect())
          .as("%s", code)
          .isEqualTo(code.kind() == CloseCode.Kind.RECONNECT);
      if (n < CloseCode.RECONNECT_RANGE_START) {
        assertThat(n).as("%s is a standard WebSocket code", code).isBetween(1000, 1015);
        assertThat(code.kind()).as("%s", code).isEqualTo(CloseCode.Kind.RECONNECT);
      } else if (code.kind() == CloseCode.Kind.RECONNECT) {
        assertThat(n)
            .as("%s", code)
            .isBetween(CloseCode.RECONNECT_RANGE_START, CloseCode.RECONNECT_RANGE_END);
      } else {
        assertThat(n)
            .as("%s", code)
            .isBetween(CloseCode.TERMINAL_RANGE_START, CloseCode.TERMINAL_RANGE_END);
      }
    }
    assertThat(CloseCode.RECONNECT_RANGE_END + 1).isEqualTo(CloseCode.TERMINAL_RANGE_START);
  }

  @Test
  @DisplayName("the kind of an unknown number follows its range")
  void kindOfUnknownNumbers() {
    assertThat(CloseCode.Kind.of(1006)).isEqualTo(CloseCode.Kind.RECONNECT);
    assertThat(CloseCode.Kind.of(4499)).isEqualTo(CloseCode.Kind.RECONNECT);
    assertThat(CloseCode.Kind.of(4500)).isEqualTo(CloseCode.Kind.TERMINAL);
    assertThat(CloseCode.Kind.of(4999)).isEqualTo(CloseCode.Kind.TERMINAL);
    assertThat(CloseCode.Kind.of(5000)).isEqualTo(CloseCode.Kind.RECONNECT);
  }

  @Test
  @DisplayName("of(code()) is the code itself")
  void ofRoundTrips() {
    for (CloseCode code : CloseCode.values()) {
      assertThat(CloseCode.of(code.code())).contains(code);
    }
  }

  @Test
  @DisplayName("a number Mesh never sends has no close code")
  void unknownNumbersAreEmpty() {
    assertThat(CloseCode.of(1006)).isEmpty();
    assertThat(CloseCode.of(4007)).isEmpty();
    assertThat(CloseCode.of(4999)).isEmpty();
    assertThat(CloseCode.of(0)).isEmpty();
    assertThat(CloseCode.of(-1)).isEmpty();
  }
}
