package dev.mesh.common.cluster;

import com.hazelcast.internal.util.ConcurrencyUtil;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Gives Hazelcast a small pool for the callbacks of its futures where the JVM's common pool has
 * fewer than two threads.
 *
 * <p>Hazelcast runs a callback registered with a plain {@code whenComplete}, as Vert.x's {@code
 * Future.fromCompletionStage} and the Vert.x cluster manager register theirs, on its default async
 * executor: {@code ForkJoinPool.commonPool()} when that pool's parallelism is above 1, and
 * otherwise a new thread for every callback. The common pool gets one thread fewer than the cores,
 * so on a two-core machine every registry write, registry lookup and cluster-manager call of a
 * connection node started and ended a thread: 2,294 of them during 10,000 connects in one profile,
 * and as many more as a storm makes calls. The pool has two threads, as the common pool of a
 * three-core machine would; a callback only hands its result to a Vert.x context.
 */
final class HazelcastCallbacks {

  static final String THREAD_PREFIX = "mesh-hz-callback-";

  private static boolean installed;

  private HazelcastCallbacks() {}

  /** Installs the pool once per JVM, and only where Hazelcast would start a thread per callback. */
  static synchronized void ensurePooled() {
    if (installed || ForkJoinPool.getCommonPoolParallelism() > 1) {
      return;
    }
    AtomicInteger threads = new AtomicInteger();
    ForkJoinPool pool =
        new ForkJoinPool(
            2,
            forkJoinPool -> {
              ForkJoinWorkerThread thread =
                  ForkJoinPool.defaultForkJoinWorkerThreadFactory.newThread(forkJoinPool);
              thread.setName(THREAD_PREFIX + threads.incrementAndGet());
              thread.setDaemon(true);
              return thread;
            },
            null,
            true);
    ConcurrencyUtil.setDefaultAsyncExecutor(pool);
    installed = true;
  }
}
