package dev.ephyr.cluster;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;

/**
 * Cold start's bulk push into the cluster: at most {@value #SIZE} writes in flight, so a store of 100,000
 * records neither floods the members' operation queues nor holds 100,000 futures. Blocking; worker thread.
 */
final class PushWindow {
  static final int SIZE = 512;

  private final List<CompletableFuture<?>> inFlight = new ArrayList<>(SIZE);
  private int pushed;

  /** Adds one write; waits for the window's writes once it is full. */
  void add(CompletionStage<?> write) {
    inFlight.add(write.toCompletableFuture());
    pushed++;
    if (inFlight.size() >= SIZE) {
      drain();
    }
  }

  /** Waits for every write still in flight; returns how many were added in all. */
  int finish() {
    drain();
    return pushed;
  }

  private void drain() {
    CompletableFuture.allOf(inFlight.toArray(new CompletableFuture[0])).join();
    inFlight.clear();
  }
}
