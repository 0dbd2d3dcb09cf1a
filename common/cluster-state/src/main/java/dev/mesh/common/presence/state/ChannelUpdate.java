package dev.mesh.common.presence.state;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Base of the processors that update one channel atomically: a missing entry is {@link
 * ChannelState#absent()}.
 */
abstract class ChannelUpdate implements EntryProcessor<String, ChannelState, ChannelOutcome> {

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // identity on purpose: a step that changed nothing returns the same
  // state
  public final ChannelOutcome process(Map.Entry<String, ChannelState> entry) {
    ChannelState current = entry.getValue() == null ? ChannelState.absent() : entry.getValue();
    ChannelState.Step step = apply(current);
    if (step.next() != current) {
      entry.setValue(step.next());
    }
    return step.outcome();
  }

  abstract ChannelState.Step apply(ChannelState current);
}
