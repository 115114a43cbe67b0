package dev.ephyr.load;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;

/**
 * Drives one operation against every node for a duration: closed loop (a fixed number of requests in
 * flight per node, flat out) or open loop at a fixed rate, where latency counts from the moment a request
 * was due so a slow broker cannot hide its queueing (no coordinated omission).
 */
record LoadLoop(Vertx vertx, int nodes, int concurrency, int rate) {
  /** One request to {@code node} (index); the future completes with its outcome and never fails. */
  interface Operation extends BiFunction<Integer, Long, Future<Outcome>> {}

  /**
   * Runs {@code op} for {@code duration}, recording into {@code rec}; completes when every request in
   * flight has answered. {@code op} receives the node index and the nanoTime the request was due.
   */
  Future<Void> run(Duration duration, Recorder rec, Operation op) {
    return run(duration, () -> false, rec, op);
  }

  /** Like {@link #run(Duration, Recorder, Operation)}, but stops sending as soon as {@code stop} says so. */
  Future<Void> run(Duration duration, BooleanSupplier stop, Recorder rec, Operation op) {
    long start = System.nanoTime();
    long end = start + duration.toNanos();
    rec.start(start);
    long ticker = vertx.setPeriodic(1000, id -> rec.tick(System.nanoTime()));
    List<Future<Void>> lanes = new ArrayList<>();
    if (rate <= 0) {
      for (int n = 0; n < nodes; n++) {
        for (int c = 0; c < concurrency; c++) {
          lanes.add(closedLane(vertx.getOrCreateContext(), n, end, stop, rec, op));
        }
      }
    } else {
      int contexts = Math.max(1, Math.min(4, nodes * 2));
      for (int i = 0; i < contexts; i++) {
        lanes.add(openLane(vertx.getOrCreateContext(), i, contexts, start, end, stop, rec, op));
      }
    }
    return Future.all(lanes).<Void>mapEmpty().onComplete(ar -> {
      vertx.cancelTimer(ticker);
      rec.tick(System.nanoTime());
    });
  }

  private Future<Void> closedLane(Context ctx, int node, long end, BooleanSupplier stop, Recorder rec, Operation op) {
    Promise<Void> done = Promise.promise();
    ctx.runOnContext(v -> next(ctx, node, end, stop, rec, op, done));
    return done.future();
  }

  private void next(Context ctx, int node, long end, BooleanSupplier stop, Recorder rec, Operation op,
      Promise<Void> done) {
    long due = System.nanoTime();
    if (due >= end || stop.getAsBoolean()) {
      done.complete();
      return;
    }
    op.apply(node, due).onComplete(ar -> {
      rec.record(ar.succeeded() ? ar.result() : Outcome.refused("driver_error"), (System.nanoTime() - due) / 1000);
      // Through the context, not recursion: an operation that answers at once must not grow the stack.
      ctx.runOnContext(v -> next(ctx, node, end, stop, rec, op, done));
    });
  }

  /** Sends this lane's share of the rate; request k is due at start + k / rate. */
  private Future<Void> openLane(Context ctx, int lane, int lanes, long start, long end, BooleanSupplier stop,
      Recorder rec, Operation op) {
    Promise<Void> done = Promise.promise();
    double perNanos = rate / 1e9 / lanes;
    int maxInFlight = concurrency * nodes;
    AtomicInteger inFlight = new AtomicInteger();
    long[] sent = {0};
    boolean[] finished = {false};
    ctx.runOnContext(v -> vertx.setPeriodic(1, id -> {
      long now = System.nanoTime();
      long dueCount = stop.getAsBoolean() ? sent[0] : (long) ((Math.min(now, end) - start) * perNanos);
      while (sent[0] < dueCount) {
        long due = start + (long) (sent[0] / perNanos);
        int node = (int) ((sent[0] * lanes + lane) % nodes);
        sent[0]++;
        if (inFlight.get() >= maxInFlight) {
          rec.record(Outcome.refused("driver_saturated"), (now - due) / 1000);
          continue;
        }
        inFlight.incrementAndGet();
        op.apply(node, due).onComplete(ar -> {
          rec.record(ar.succeeded() ? ar.result() : Outcome.refused("driver_error"), (System.nanoTime() - due) / 1000);
          if (inFlight.decrementAndGet() == 0 && finished[0]) {
            done.tryComplete();
          }
        });
      }
      if ((now >= end || stop.getAsBoolean()) && !finished[0]) {
        finished[0] = true;
        vertx.cancelTimer(id);
        if (inFlight.get() == 0) {
          done.tryComplete();
        }
      }
    }));
    return done.future();
  }
}
