package dev.mesh.common.observe;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.OutputStreamAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.vertx.core.Vertx;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;
import org.slf4j.MDC;

/** The JSON encoder behind a real logback logger, writing to memory. */
@DisplayName("JSON log lines")
class JsonLogEncoderTest {

  private static final ObjectMapper JSON = new ObjectMapper();

  private final ByteArrayOutputStream out = new ByteArrayOutputStream();
  private final LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
  private final Logger logger = context.getLogger("dev.mesh.test.JsonLines");
  private final OutputStreamAppender<ILoggingEvent> appender = new OutputStreamAppender<>();

  @BeforeEach
  void attach() {
    JsonLogEncoder encoder = new JsonLogEncoder();
    encoder.setContext(context);
    encoder.start();
    appender.setContext(context);
    appender.setEncoder(encoder);
    appender.setOutputStream(out);
    appender.start();
    logger.addAppender(appender);
    logger.setAdditive(false);
  }

  @AfterEach
  void detach() {
    logger.detachAppender(appender);
    appender.stop();
  }

  private List<JsonNode> lines() throws Exception {
    List<JsonNode> lines = new ArrayList<>();
    for (String line : out.toString(StandardCharsets.UTF_8).lines().toList()) {
      lines.add(JSON.readTree(line));
    }
    return lines;
  }

  @Test
  @DisplayName(
      "a connection's line has user, connection and channel as fields, and the scope leaves no MDC behind")
  void connectionFields() throws Exception {
    try (var ignored = LogContext.connection("ann", "c-1", "room")) {
      logger.info("event=test-open user={} connection={}", "ann", "c-1");
    }
    logger.info("event=test-after");

    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(2);
    JsonNode open = lines.get(0);
    assertThat(Instant.parse(open.get("timestamp").asText())).isNotNull();
    assertThat(open.get("level").asText()).isEqualTo("INFO");
    assertThat(open.get("logger").asText()).isEqualTo("dev.mesh.test.JsonLines");
    assertThat(open.get("thread").asText()).isEqualTo(Thread.currentThread().getName());
    assertThat(open.get("user").asText()).isEqualTo("ann");
    assertThat(open.get("connection").asText()).isEqualTo("c-1");
    assertThat(open.get("channel").asText()).isEqualTo("room");
    assertThat(open.get("message").asText()).isEqualTo("event=test-open user=ann connection=c-1");
    JsonNode after = lines.get(1);
    assertThat(after.has("user")).isFalse();
    assertThat(after.has("connection")).isFalse();
    assertThat(after.has("channel")).isFalse();
    assertThat(MDC.getCopyOfContextMap()).isNullOrEmpty();
  }

  @Test
  @DisplayName("a nested scope restores the outer scope's values when it closes")
  void nestedScopes() throws Exception {
    try (var outer = LogContext.connection("ann", "c-1")) {
      try (var inner = LogContext.connection("bob", "c-2", "room")) {
        logger.info("inner");
      }
      logger.info("outer");
    }
    List<JsonNode> lines = lines();
    assertThat(lines.get(0).get("user").asText()).isEqualTo("bob");
    assertThat(lines.get(1).get("user").asText()).isEqualTo("ann");
    assertThat(lines.get(1).get("connection").asText()).isEqualTo("c-1");
    assertThat(lines.get(1).has("channel")).isFalse();
  }

  @Test
  @DisplayName("an exception is one field holding the stack trace, and the line stays one line")
  void exception() throws Exception {
    logger.warn("event=test-failed", new IllegalStateException("broken \"quoted\"\nsecond line"));
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(1);
    assertThat(lines.get(0).get("exception").asText())
        .startsWith("java.lang.IllegalStateException: broken \"quoted\"\nsecond line")
        .contains("at dev.mesh.common.observe.JsonLogEncoderTest.exception");
    assertThat(lines.get(0).get("level").asText()).isEqualTo("WARN");
  }

  @Test
  @DisplayName("a line logged on a node's Vert.x thread names the node's service and node id")
  void nodeFields() throws Exception {
    Vertx vertx = Vertx.vertx();
    try {
      LogContext.nodeStarted(vertx, "test-service", "node-1");
      java.util.concurrent.CompletableFuture<Void> logged =
          new java.util.concurrent.CompletableFuture<>();
      vertx.runOnContext(
          v -> {
            logger.info("event=on-node");
            logged.complete(null);
          });
      logged.get(10, TimeUnit.SECONDS);
      vertx
          .executeBlocking(
              () -> {
                logger.info("event=on-worker");
                return null;
              })
          .toCompletionStage()
          .toCompletableFuture()
          .get(10, TimeUnit.SECONDS);
      logger.info("event=elsewhere");
    } finally {
      vertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
    }
    List<JsonNode> lines = lines();
    assertThat(lines).hasSize(3);
    for (JsonNode line : lines) {
      if (line.get("message").asText().equals("event=elsewhere")) {
        assertThat(line.has("node")).as("a thread no node owns").isFalse();
      } else {
        assertThat(line.get("service").asText()).isEqualTo("test-service");
        assertThat(line.get("node").asText()).isEqualTo("node-1");
      }
    }
  }
}
