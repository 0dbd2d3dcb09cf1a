package dev.mesh.common.presence.state;

import com.hazelcast.map.EntryProcessor;
import java.util.Map;

/**
 * Base of the processors that update one user atomically: a missing entry is {@link
 * UserState#absent()}.
 */
abstract class UserUpdate<R> implements EntryProcessor<String, UserState, R> {

  @Override
  @SuppressWarnings(
      "ReferenceEquality") // identity on purpose: a step that changed nothing returns the same
  // state
  public final R process(Map.Entry<String, UserState> entry) {
    UserState current = entry.getValue() == null ? UserState.absent() : entry.getValue();
    UserState.Step step = apply(current);
    if (step.next() != current) {
      entry.setValue(step.next());
      if (step.outcome() != null) {
        step = new UserState.Step(step.next(), step.outcome().asChanged());
      }
    }
    return result(current, step);
  }

  abstract UserState.Step apply(UserState current);

  R result(UserState current, UserState.Step step) {
    @SuppressWarnings("unchecked")
    R outcome = (R) step.outcome();
    return outcome;
  }
}
