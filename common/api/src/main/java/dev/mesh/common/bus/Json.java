package dev.mesh.common.bus;

import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.module.SimpleModule;
import com.fasterxml.jackson.datatype.jsr310.JavaTimeModule;
import com.fasterxml.jackson.datatype.jsr310.deser.InstantDeserializer;
import java.time.Instant;

/**
 * The one Jackson {@link ObjectMapper} of Mesh: records, {@code java.time} as ISO strings, nulls
 * left out, unknown fields ignored (so a newer node can add a field without breaking an older one),
 * nesting depth bounded.
 */
public final class Json {

  /**
   * Deepest JSON nesting accepted anywhere; deeper input is rejected instead of exhausting the
   * stack.
   */
  public static final int MAX_NESTING_DEPTH = 64;

  public static final ObjectMapper MAPPER = create();

  private Json() {}

  private static ObjectMapper create() {
    ObjectMapper mapper = new ObjectMapper();
    mapper
        .getFactory()
        .setStreamReadConstraints(
            StreamReadConstraints.builder().maxNestingDepth(MAX_NESTING_DEPTH).build());
    mapper.registerModule(new JavaTimeModule());
    // Registered after JavaTimeModule, so it takes over reading Instant (and hands odd shapes back
    // to it).
    mapper.registerModule(
        new SimpleModule("mesh-utc-instants")
            .addDeserializer(Instant.class, new UtcInstants(InstantDeserializer.INSTANT)));
    mapper.disable(SerializationFeature.WRITE_DATES_AS_TIMESTAMPS);
    mapper.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    mapper.setSerializationInclusion(JsonInclude.Include.NON_NULL);
    return mapper;
  }

  /**
   * Serialises a value to a JSON string; a failure here is a programming error, so it is unchecked.
   */
  public static String encode(Object value) {
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException(
          "cannot encode " + value.getClass().getSimpleName() + ": " + e.getOriginalMessage(), e);
    }
  }
}
