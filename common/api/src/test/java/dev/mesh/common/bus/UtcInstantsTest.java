package dev.mesh.common.bus;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * The fast instant reader agrees with java.time on everything Mesh writes and defers to it on
 * everything else.
 */
class UtcInstantsTest {

  private record Stamp(Instant at) {}

  private static Instant read(String json) throws Exception {
    return Json.MAPPER.readValue("{\"at\":" + json + "}", Stamp.class).at();
  }

  @Test
  void readsWhatItWritesForAnyInstant() throws Exception {
    SplittableRandom random = new SplittableRandom(20261122);
    for (int i = 0; i < 20_000; i++) {
      // 0001-01-01 .. 9999-12-31, with 0, 3, 6 or 9 fraction digits as Instant.toString writes them
      Instant instant =
          Instant.ofEpochSecond(
              random.nextLong(-62_135_596_800L, 253_402_300_799L),
              random.nextInt(4) == 0 ? 0 : random.nextInt(1_000_000_000));
      String written = Json.MAPPER.writeValueAsString(new Stamp(instant));
      assertThat(Json.MAPPER.readValue(written, Stamp.class).at()).as(written).isEqualTo(instant);
      assertThat(UtcInstants.parse(instant.toString())).as(instant.toString()).isEqualTo(instant);
    }
  }

  @Test
  void everyFractionLengthMeansWhatIsoSays() throws Exception {
    for (String text :
        new String[] {
          "2026-11-22T03:05:01Z",
          "2026-11-22T03:05:01.1Z",
          "2026-11-22T03:05:01.12Z",
          "2024-02-29T23:59:59.123456789Z",
          "1969-12-31T23:59:59.999Z",
          "2000-01-01T00:00:00.000100Z"
        }) {
      assertThat(UtcInstants.parse(text)).as(text).isEqualTo(Instant.parse(text));
      assertThat(read("\"" + text + "\"")).as(text).isEqualTo(Instant.parse(text));
    }
  }

  @Test
  void otherShapesAreLeftToJavaTime() throws Exception {
    String offset = "2026-11-22T04:05:01.5+01:00";
    assertThat(UtcInstants.parse(offset)).isNull();
    assertThat(read("\"" + offset + "\"")).isEqualTo(OffsetDateTime.parse(offset).toInstant());
    assertThat(read("1700000000.5")).isEqualTo(Instant.ofEpochSecond(1_700_000_000L, 500_000_000));
    // Shapes the fast path declines get exactly java.time's answer, value or error.
    ObjectMapper javaTime = new ObjectMapper().registerModule(new JavaTimeModule());
    for (String odd :
        new String[] {
          "2026-13-01T00:00:00Z",
          "2026-02-30T00:00:00Z",
          "2026-11-22T24:00:00Z",
          "2026-11-22T03:05:01.Z",
          "2026-11-22T03:05:01.1234567890Z",
          "2026-11-22 03:05:01Z",
          "x026-11-22T03:05:01Z"
        }) {
      assertThat(UtcInstants.parse(odd)).as(odd).isNull();
      String json = "{\"at\":\"" + odd + "\"}";
      Instant expected;
      try {
        expected = javaTime.readValue(json, Stamp.class).at();
      } catch (Exception refused) {
        assertThatThrownBy(() -> read("\"" + odd + "\"")).as(odd).isInstanceOf(Exception.class);
        continue;
      }
      assertThat(read("\"" + odd + "\"")).as(odd).isEqualTo(expected);
    }
  }
}
