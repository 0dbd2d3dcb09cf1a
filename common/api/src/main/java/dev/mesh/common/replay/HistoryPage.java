package dev.mesh.common.replay;

import com.fasterxml.jackson.annotation.JsonIgnore;
import dev.mesh.common.bus.MeshMessage;
import dev.mesh.common.protocol.Envelope;
import dev.mesh.common.protocol.Position;
import java.util.List;

/**
 * Reply to {@code mesh.replay.history}. Either a page of the events right after the requested
 * position, in order and without gaps ({@code reset} null), or a reset ({@code reset} set, no
 * events). A channel that has no history yet is not an error: it gets an epoch on first use and
 * answers with an empty page.
 *
 * @param channel the channel
 * @param epoch the channel history's current epoch
 * @param head seq of the newest event in the epoch when the page was read (0: none yet)
 * @param events events after the position, ascending by seq, contiguous; empty on reset
 * @param more true when events exist after the last one returned: ask again from {@code next}
 * @param reset null, or why the events after the position cannot be given
 * @param next where to continue from: the last event returned, else the requested position, else
 *     (on reset, or when every retained event has expired) {@code (epoch, head)}
 */
public record HistoryPage(
    String channel,
    String epoch,
    long head,
    List<Envelope> events,
    boolean more,
    ResetCause reset,
    Position next)
    implements MeshMessage {

  public HistoryPage {
    events = events == null ? List.of() : List.copyOf(events);
  }

  /**
   * Whether this is a reset: reload state, then continue from {@link #next()}. (Not a bean getter:
   * Jackson would take {@code isReset} for the {@code reset} component.)
   */
  @JsonIgnore
  public boolean mustReset() {
    return reset != null;
  }
}
