package dev.ephyr.broker.ssh;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;

/** Runs one command on an open connection, with a deadline and capped output, without blocking anyone. */
final class ExecRunner {
  private final Vertx vertx;

  ExecRunner(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Runs {@code command}; the result has {@code exit_status} (null if killed or none), {@code stdout},
   * {@code stderr}, truncation flags and {@code timed_out}. Fails only if the channel cannot be opened.
   */
  Future<JsonObject> run(ClientSession session, String command, Duration timeout, int outputLimit, Context ctx) {
    Promise<JsonObject> promise = Promise.promise();
    CappedOutput out = new CappedOutput(outputLimit);
    CappedOutput err = new CappedOutput(outputLimit);
    AtomicBoolean timedOut = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    ChannelExec ch;
    try {
      ch = session.createExecChannel(command);
      ch.setOut(out);
      ch.setErr(err);
    } catch (Exception e) {
      return Future.failedFuture(new IllegalStateException("cannot open a channel: " + e.getClass().getSimpleName()));
    }
    long timer = vertx.setTimer(timeout.toMillis(), id -> {
      timedOut.set(true);
      ch.close(true);
    });
    Runnable finish = () -> ctx.runOnContext(v -> {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      vertx.cancelTimer(timer);
      Integer exit = ch.getExitStatus();
      promise.complete(new JsonObject()
          .put("exit_status", timedOut.get() ? null : exit)
          .put("exit_signal", ch.getExitSignal())
          .put("stdout", out.text()).put("stderr", err.text())
          .put("stdout_truncated", out.dropped() > 0).put("stderr_truncated", err.dropped() > 0)
          .put("timed_out", timedOut.get()));
    });
    ch.addCloseFutureListener(f -> finish.run());
    try {
      ch.open().addListener(of -> {
        if (!of.isOpened()) {
          ch.close(true);
        } else {
          // No input for the command: send EOF at once so readers of stdin do not wait forever.
          try {
            ch.getInvertedIn().close();
          } catch (Exception ignored) {
            // the command may already be done
          }
        }
      });
    } catch (Exception e) {
      ch.close(true);
    }
    return promise.future();
  }
}
