package dev.mesh.common.observe;

import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.encoder.EncoderBase;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.Map;

/**
 * One JSON object per line ({@code MESH_LOG_FORMAT=json}): {@code timestamp} (ISO-8601, UTC),
 * {@code level}, {@code logger}, {@code thread}, Mesh's context ({@code service}, {@code node}, and
 * where the line concerns them {@code user}, {@code connection}, {@code channel}: see {@link
 * LogContext}) and any other MDC entry as fields of their own, {@code message}, and {@code
 * exception} (the stack trace as text) when there is one.
 */
public final class JsonLogEncoder extends EncoderBase<ILoggingEvent> {

  private static final JsonFactory JSON = new JsonFactory();
  private static final byte[] NEWLINE = {'\n'};

  @Override
  public byte[] headerBytes() {
    return null;
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    try (JsonGenerator json = JSON.createGenerator(out)) {
      json.writeStartObject();
      json.writeStringField("timestamp", Instant.ofEpochMilli(event.getTimeStamp()).toString());
      json.writeStringField("level", event.getLevel().toString());
      json.writeStringField("logger", event.getLoggerName());
      json.writeStringField("thread", event.getThreadName());
      Map<String, String> mdc = event.getMDCPropertyMap();
      String service = mdc.get(LogContext.SERVICE);
      String node = mdc.get(LogContext.NODE);
      if (service == null || node == null) {
        String[] current = LogContext.currentNode();
        service = service == null ? current[0] : service;
        node = node == null ? current[1] : node;
      }
      writeIfSet(json, LogContext.SERVICE, service);
      writeIfSet(json, LogContext.NODE, node);
      for (Map.Entry<String, String> entry : mdc.entrySet()) {
        String key = entry.getKey();
        if (!key.equals(LogContext.SERVICE) && !key.equals(LogContext.NODE) && !reserved(key)) {
          writeIfSet(json, key, entry.getValue());
        }
      }
      json.writeStringField("message", event.getFormattedMessage());
      IThrowableProxy thrown = event.getThrowableProxy();
      if (thrown != null) {
        json.writeStringField("exception", ThrowableProxyUtil.asString(thrown));
      }
      json.writeEndObject();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    out.writeBytes(NEWLINE);
    return out.toByteArray();
  }

  /** An MDC entry never overwrites the line's own fields. */
  private static boolean reserved(String key) {
    return switch (key) {
      case "timestamp", "level", "logger", "thread", "message", "exception" -> true;
      default -> false;
    };
  }

  private static void writeIfSet(JsonGenerator json, String field, String value)
      throws IOException {
    if (value != null) {
      json.writeStringField(field, value);
    }
  }

  @Override
  public byte[] footerBytes() {
    return null;
  }
}
