package dev.ephyr.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.internal.util.ConcurrencyUtil;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/** Callbacks of Hazelcast futures never cost a new thread each, whatever the core count. */
class CallbackExecutorTest {

  @Test
  void callbacksRunOnAFewReusedThreads() throws Exception {
    CallbackExecutor.installIfNeeded();
    assertEquals(ForkJoinPool.getCommonPoolParallelism() <= 1, CallbackExecutor.installed(),
        "the pool replaces Hazelcast's executor exactly when the common pool would not be used");
    Set<Thread> threads = ConcurrentHashMap.newKeySet();
    int tasks = 2_000;
    CountDownLatch done = new CountDownLatch(tasks);
    for (int i = 0; i < tasks; i++) {
      ConcurrencyUtil.getDefaultAsyncExecutor().execute(() -> {
        threads.add(Thread.currentThread());
        done.countDown();
      });
    }
    assertTrue(done.await(30, TimeUnit.SECONDS));
    assertTrue(threads.size() <= Math.max(4, Runtime.getRuntime().availableProcessors() * 2),
        "callbacks ran on " + threads.size() + " threads");
  }
}
