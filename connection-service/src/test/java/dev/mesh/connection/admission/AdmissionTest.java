package dev.mesh.connection.admission;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

@DisplayName(
    "Admission gate: rate, in-flight limit, and hints that place deferred clients in a queue")
class AdmissionTest {

  private final AtomicLong now = new AtomicLong(1_000_000_000L);

  private Admission gate(int rate, int burst, int inFlight, Duration maxHint) {
    return new Admission(
        new AdmissionOptions(
            rate, burst, inFlight, maxHint, AdmissionOptions.DEFAULT_REGISTRY_WINDOW),
        now::get);
  }

  private void advanceMillis(long ms) {
    now.addAndGet(ms * 1_000_000L);
  }

  @Test
  @DisplayName("the burst is admitted at once, then one per 1/rate; deferrals say why")
  void rateAndBurst() {
    Admission gate = gate(10, 3, 100, Duration.ofSeconds(60));
    for (int i = 0; i < 3; i++) {
      assertThat(gate.enter()).isInstanceOf(Admission.Permit.class);
    }
    Admission.Decision fourth = gate.enter();
    assertThat(fourth)
        .isInstanceOfSatisfying(
            Admission.Deferral.class, d -> assertThat(d.cause()).isEqualTo(Admission.Cause.RATE));
    advanceMillis(100);
    assertThat(gate.enter()).as("a token after 1/rate").isInstanceOf(Admission.Permit.class);
    assertThat(gate.enter()).isInstanceOf(Admission.Deferral.class);
  }

  @Test
  @DisplayName(
      "at most maxInFlight at once; a release lets the next in; a forgotten permit stops counting")
  void inFlight() {
    Admission gate = gate(1000, 1000, 2, Duration.ofSeconds(60));
    Admission.Permit a = (Admission.Permit) gate.enter();
    gate.enter();
    assertThat(gate.enter())
        .isInstanceOfSatisfying(
            Admission.Deferral.class,
            d -> assertThat(d.cause()).isEqualTo(Admission.Cause.IN_FLIGHT));
    a.release();
    a.release();
    assertThat(gate.inFlight()).isEqualTo(1);
    assertThat(gate.enter()).isInstanceOf(Admission.Permit.class);
    assertThat(gate.enter()).isInstanceOf(Admission.Deferral.class);
    now.addAndGet(Admission.MAX_HOLD_NANOS);
    assertThat(gate.enter())
        .as("permits held past the longest admission were forgotten")
        .isInstanceOf(Admission.Permit.class);
  }

  @Test
  @DisplayName(
      "hints grow with the queue, one slot of 1/rate each after the shortest hint; the queue drains by itself")
  void hintsGrowWithTheQueue() {
    Admission gate = gate(100, 1, 1000, Duration.ofSeconds(60));
    assertThat(gate.enter()).isInstanceOf(Admission.Permit.class);
    List<Long> hints = new ArrayList<>();
    for (int i = 0; i < 200; i++) {
      Admission.Deferral d = (Admission.Deferral) gate.enter();
      assertThat(d.queued()).as("clients deferred before #%d", i).isEqualTo(i);
      hints.add(d.retryAfterMs());
    }
    assertThat(hints.get(0)).isEqualTo(260L);
    for (int i = 1; i < hints.size(); i++) {
      assertThat(hints.get(i) - hints.get(i - 1)).as("slot %d", i).isEqualTo(10L);
    }
    assertThat(hints.get(199)).isEqualTo(2250L);
    assertThat(gate.queued()).isEqualTo(200);
    advanceMillis(1250);
    assertThat(gate.queued()).as("the first 100 slots have passed").isEqualTo(100);
    advanceMillis(1750);
    assertThat(gate.queued()).isZero();
    assertThat(gate.enter()).isInstanceOf(Admission.Permit.class);
    assertThat(((Admission.Deferral) gate.enter()).retryAfterMs())
        .as("a fresh queue")
        .isEqualTo(260L);
  }

  @Test
  @DisplayName(
      "a node admitting slower than its rate spaces the hints at the pace it keeps: hold time over"
          + " the in-flight limit")
  void hintsFollowThePaceTheNodeKeeps() {
    Admission gate = gate(1000, 1000, 2, Duration.ofSeconds(60));
    assertThat(gate.pacePerSecond()).as("no admission finished yet: the rate").isEqualTo(1000.0);
    Admission.Permit slow = (Admission.Permit) gate.enter();
    gate.enter();
    advanceMillis(400);
    slow.release();
    assertThat(gate.pacePerSecond())
        .as("2 in flight for 400 ms each: 5 a second")
        .isCloseTo(5.0, org.assertj.core.data.Offset.offset(0.001));
    assertThat(gate.enter()).isInstanceOf(Admission.Permit.class);
    List<Long> hints = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      hints.add(((Admission.Deferral) gate.enter()).retryAfterMs());
    }
    assertThat(hints)
        .as("the shortest hint, then one 200 ms slot each")
        .containsExactly(450L, 650L, 850L);
  }

  @Test
  @DisplayName("admissions faster than the rate keep the rate's slot, even at half the limit")
  void quickHoldsKeepTheRate() {
    Admission gate = gate(100, 100, 10, Duration.ofSeconds(60));
    for (int i = 0; i < 5; i++) {
      gate.enter();
    }
    for (int i = 0; i < 10; i++) {
      Admission.Permit permit = (Admission.Permit) gate.enter();
      advanceMillis(5);
      permit.release();
    }
    assertThat(gate.inFlight()).isEqualTo(5);
    assertThat(gate.pacePerSecond()).isEqualTo(100.0);
  }

  @Test
  @DisplayName(
      "below half the in-flight limit the rate binds again; one stuck admission counts as 10 s")
  void paceRecoversAndIgnoresOneStuckAdmission() {
    Admission gate = gate(1000, 1000, 2, Duration.ofSeconds(60));
    Admission.Permit stuck = (Admission.Permit) gate.enter();
    Admission.Permit other = (Admission.Permit) gate.enter();
    advanceMillis(30_000);
    stuck.release();
    assertThat(gate.pacePerSecond())
        .as("a 30 s hold is taken in as 10 s: 2 per 10 s")
        .isCloseTo(0.2, org.assertj.core.data.Offset.offset(0.001));
    other.release();
    assertThat(gate.pacePerSecond()).as("nothing in flight: the rate").isEqualTo(1000.0);
  }

  @Test
  @DisplayName(
      "past the longest hint the queue stops growing: later clients are spread over its second half")
  void longestHint() {
    Admission gate = gate(1, 1, 1000, Duration.ofSeconds(5));
    gate.enter();
    List<Long> hints = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      hints.add(((Admission.Deferral) gate.enter()).retryAfterMs());
    }
    assertThat(hints).containsExactly(1250L, 2250L, 3250L, 4250L);
    for (int i = 0; i < 50; i++) {
      assertThat(((Admission.Deferral) gate.enter()).retryAfterMs()).isBetween(2500L, 5000L);
    }
    assertThat(gate.queued()).isEqualTo(4);
  }

  @Test
  @DisplayName("options: bounds are checked")
  void options() {
    AdmissionOptions defaults = AdmissionOptions.defaults();
    assertThat(defaults.ratePerSecond()).isEqualTo(AdmissionOptions.DEFAULT_RATE_PER_SECOND);
    assertThat(AdmissionOptions.fromEnv(dev.mesh.common.config.Env.of(java.util.Map.of())))
        .isEqualTo(defaults);
    dev.mesh.common.config.Env bad =
        dev.mesh.common.config.Env.of(
            java.util.Map.of(
                "MESH_ADMISSION_RATE",
                "0",
                "MESH_ADMISSION_MAX_HINT",
                "10ms",
                "MESH_ADMISSION_REGISTRY_WINDOW",
                "2s"));
    AdmissionOptions.fromEnv(bad);
    org.assertj.core.api.Assertions.assertThatThrownBy(bad::validate)
        .hasMessageContaining("MESH_ADMISSION_RATE")
        .hasMessageContaining("MESH_ADMISSION_MAX_HINT")
        .hasMessageContaining("MESH_ADMISSION_REGISTRY_WINDOW");
    assertThat(
            AdmissionOptions.fromEnv(
                    dev.mesh.common.config.Env.of(
                        java.util.Map.of("MESH_ADMISSION_REGISTRY_WINDOW", "0ms")))
                .registryWindow())
        .as("0 sends each turn's registrations at its end")
        .isZero();
  }
}
