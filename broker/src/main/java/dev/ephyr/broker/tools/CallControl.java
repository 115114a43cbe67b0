package dev.ephyr.broker.tools;

import java.util.ArrayList;
import java.util.List;

/**
 * The caller's side of one running tool call: how its answer travels ({@link Delivery}) and whether it has
 * been cancelled (by {@code notifications/cancelled}, a client that went away, or a deadline). A tool that
 * holds something open (an SSH channel, an upstream request) registers how to let go of it with
 * {@link #onCancel}; cancelling runs those actions once. Thread-safe: cancels may come from any thread.
 */
public final class CallControl {

  /** How the answer reaches the client, which decides how long the call may take. */
  public enum Delivery {
    /** One JSON answer within the node's request timeout. */
    INLINE,
    /** An SSE stream with progress notifications: the tool's own limit applies. */
    STREAMED
  }

  private final Delivery delivery;
  private final List<Runnable> onCancel = new ArrayList<>();
  private String cancelled;
  private boolean finished;

  private CallControl(Delivery delivery) {
    this.delivery = delivery;
  }

  /** A control for a call answered with {@code delivery}. */
  public static CallControl of(Delivery delivery) {
    return new CallControl(delivery);
  }

  /** How the answer travels. */
  public Delivery delivery() {
    return delivery;
  }

  /** Whether the answer is streamed (the call may take as long as the tool itself allows). */
  public boolean streamed() {
    return delivery == Delivery.STREAMED;
  }

  /**
   * Runs {@code action} when the call is cancelled; at once if it already was. Nothing runs after
   * {@link #finish()}.
   */
  public void onCancel(Runnable action) {
    boolean now;
    synchronized (this) {
      now = cancelled != null && !finished;
      if (!now && !finished) {
        onCancel.add(action);
      }
    }
    if (now) {
      action.run();
    }
  }

  /**
   * Cancels the call for {@code why} (a reason code); true when this cancel took effect, false when the call
   * had already finished or been cancelled.
   */
  public boolean cancel(String why) {
    List<Runnable> run;
    synchronized (this) {
      if (cancelled != null || finished) {
        return false;
      }
      cancelled = why;
      run = List.copyOf(onCancel);
      onCancel.clear();
    }
    for (Runnable r : run) {
      r.run();
    }
    return true;
  }

  /** Marks the call answered: later cancels are no-ops and the registered actions are dropped. */
  public void finish() {
    synchronized (this) {
      finished = true;
      onCancel.clear();
    }
  }

  /** Why the call was cancelled, or null while it was not. */
  public synchronized String cancelledFor() {
    return cancelled;
  }
}
