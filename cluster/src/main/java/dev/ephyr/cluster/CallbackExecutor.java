package dev.ephyr.cluster;

import com.hazelcast.internal.util.ConcurrencyUtil;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Where Hazelcast runs the callbacks of asynchronous operations ({@code thenApply}, {@code whenComplete}).
 * Its default is the JDK's common pool, except when that pool has a parallelism of 1 — any machine with one or
 * two cores — where it starts a new thread for every callback: measured on two cores, three threads per
 * broker request and half of all CPU time spent in the kernel creating and reaping them. On such machines a
 * small fixed pool of daemon threads takes their place, once per process.
 */
final class CallbackExecutor {
  private static final AtomicInteger INSTALLED = new AtomicInteger();

  private CallbackExecutor() {}

  /** Installs the pool if the common pool would not be used; idempotent and thread-safe. */
  static void installIfNeeded() {
    if (ForkJoinPool.getCommonPoolParallelism() > 1 || !INSTALLED.compareAndSet(0, 1)) {
      return;
    }
    AtomicInteger ids = new AtomicInteger();
    ExecutorService pool = Executors.newFixedThreadPool(Math.max(2, Runtime.getRuntime().availableProcessors()),
        r -> {
          Thread t = new Thread(r, "ephyr-cluster-callback-" + ids.incrementAndGet());
          t.setDaemon(true);
          ClusterPriority.raise(t); // completes the revoke's stages, like Hazelcast's own threads
          return t;
        });
    ConcurrencyUtil.setDefaultAsyncExecutor(pool);
  }

  /** Whether this process replaced Hazelcast's executor (for tests). */
  static boolean installed() {
    return INSTALLED.get() == 1;
  }
}
