package dev.mesh.replay.store;

import com.hazelcast.core.HazelcastInstanceNotActiveException;
import com.hazelcast.core.OperationTimeoutException;
import com.hazelcast.partition.NoDataMemberInClusterException;
import com.hazelcast.spi.exception.RetryableException;
import com.hazelcast.splitbrainprotection.SplitBrainProtectionException;
import dev.mesh.common.bus.ErrorCodes;
import java.util.concurrent.CompletionException;

/** Maps a failure of a Hazelcast call to the error code a caller can act on. */
public final class StoreFailures {

  private StoreFailures() {}

  /**
   * {@link ErrorCodes#UNAVAILABLE} (also when this side of a split lacks quorum, or no data member
   * is reachable) or {@link ErrorCodes#TIMEOUT} (both retryable), else {@link ErrorCodes#INTERNAL}.
   */
  public static int code(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    if (cause instanceof OperationTimeoutException) {
      return ErrorCodes.TIMEOUT;
    }
    if (cause instanceof HazelcastInstanceNotActiveException
        || cause instanceof RetryableException
        || cause instanceof SplitBrainProtectionException
        || cause instanceof NoDataMemberInClusterException) {
      return ErrorCodes.UNAVAILABLE;
    }
    return ErrorCodes.INTERNAL;
  }

  public static String message(Throwable failure) {
    Throwable cause =
        failure instanceof CompletionException && failure.getCause() != null
            ? failure.getCause()
            : failure;
    return "storage: " + cause.getClass().getSimpleName() + ": " + cause.getMessage();
  }
}
