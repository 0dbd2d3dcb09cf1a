package dev.mesh.common.observe;

import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.encoder.Encoder;
import ch.qos.logback.core.encoder.EncoderBase;
import java.util.Locale;

/**
 * The encoder logback.xml configures: {@code format} (from {@code MESH_LOG_FORMAT}) picks the text
 * {@code pattern} or {@link JsonLogEncoder}. An unknown format logs as text; the service's options
 * reject it before it starts.
 */
public final class MeshLogEncoder extends EncoderBase<ILoggingEvent> {

  private String format = TelemetryOptions.DEFAULT_LOG_FORMAT.configName();
  private String pattern;
  private Encoder<ILoggingEvent> delegate;

  public void setFormat(String format) {
    this.format = format;
  }

  public void setPattern(String pattern) {
    this.pattern = pattern;
  }

  @Override
  public void start() {
    String chosen = format == null ? "" : format.trim().toLowerCase(Locale.ROOT);
    if (chosen.equals(TelemetryOptions.LogFormat.JSON.configName())) {
      delegate = new JsonLogEncoder();
    } else {
      if (!chosen.equals(TelemetryOptions.LogFormat.TEXT.configName())) {
        addError(
            "unknown log format '" + format + "' (MESH_LOG_FORMAT: text or json): logging as text");
      }
      PatternLayoutEncoder text = new PatternLayoutEncoder();
      text.setPattern(pattern);
      delegate = text;
    }
    delegate.setContext(getContext());
    delegate.start();
    super.start();
  }

  @Override
  public void stop() {
    if (delegate != null) {
      delegate.stop();
    }
    super.stop();
  }

  @Override
  public byte[] headerBytes() {
    return delegate.headerBytes();
  }

  @Override
  public byte[] encode(ILoggingEvent event) {
    return delegate.encode(event);
  }

  @Override
  public byte[] footerBytes() {
    return delegate.footerBytes();
  }
}
