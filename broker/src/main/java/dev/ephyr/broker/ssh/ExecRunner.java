package dev.ephyr.broker.ssh;

import dev.ephyr.broker.tools.CallControl;
import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;
import org.apache.sshd.client.channel.ChannelExec;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.SshConstants;
import org.apache.sshd.common.util.buffer.Buffer;

/**
 * Runs one command on an open connection, with a deadline and capped output, without blocking anyone:
 * the channel is set up from a worker thread (MINA loads classes on first use), its I/O runs on MINA's
 * threads, and the result comes back on the caller's context.
 */
final class ExecRunner {
  /** How long a killed command's channel may take to close from the far side before we close it. */
  static final Duration KILL_GRACE = Duration.ofSeconds(2);
  private final Vertx vertx;

  ExecRunner(Vertx vertx) {
    this.vertx = vertx;
  }

  /**
   * Runs {@code command}; the result has {@code exit_status} (null if killed or none), {@code stdout},
   * {@code stderr}, truncation flags and {@code timed_out}. Fails only if no channel can be opened.
   */
  Future<JsonObject> run(ClientSession session, String command, Duration timeout, int outputLimit, Context ctx) {
    return run(session, command, timeout, outputLimit, ctx, null);
  }

  /**
   * Like {@link #run(ClientSession, String, Duration, int, Context)}; cancelling {@code control} (when not
   * null) closes the channel at once, which ends the remote command (sshd hangs up its session), and the
   * result says {@code cancelled}.
   */
  Future<JsonObject> run(ClientSession session, String command, Duration timeout, int outputLimit, Context ctx,
      CallControl control) {
    Promise<JsonObject> promise = Promise.promise();
    vertx.executeBlocking(() -> {
      start(session, command, timeout, outputLimit, ctx, promise, control);
      return null;
    }, false).onFailure(e -> ctx.runOnContext(v -> promise.tryFail(e)));
    return promise.future();
  }

  private void start(ClientSession session, String command, Duration timeout, int outputLimit, Context ctx,
      Promise<JsonObject> promise, CallControl control) {
    CappedOutput out = new CappedOutput(outputLimit);
    CappedOutput err = new CappedOutput(outputLimit);
    AtomicBoolean timedOut = new AtomicBoolean();
    AtomicBoolean done = new AtomicBoolean();
    AtomicBoolean cancelled = new AtomicBoolean();
    ChannelExec ch;
    try {
      ch = session.createExecChannel(command);
      ch.setOut(out);
      ch.setErr(err);
    } catch (Exception e) {
      ctx.runOnContext(v -> promise.tryFail(new IllegalStateException("cannot open a channel: "
          + e.getClass().getSimpleName())));
      return;
    }
    long timer = vertx.setTimer(timeout.toMillis(), id -> {
      timedOut.set(true);
      kill(ch);
    });
    if (control != null) {
      control.onCancel(() -> {
        cancelled.set(true);
        kill(ch);
      });
    }
    ch.addCloseFutureListener(f -> ctx.runOnContext(v -> {
      if (!done.compareAndSet(false, true)) {
        return;
      }
      vertx.cancelTimer(timer);
      promise.tryComplete(new JsonObject()
          .put("exit_status", timedOut.get() || cancelled.get() ? null : ch.getExitStatus())
          .put("exit_signal", ch.getExitSignal())
          .put("stdout", out.text()).put("stderr", err.text())
          .put("stdout_truncated", out.dropped() > 0).put("stderr_truncated", err.dropped() > 0)
          .put("timed_out", timedOut.get()).put("cancelled", cancelled.get()));
    }));
    try {
      ch.open().addListener(of -> {
        if (!of.isOpened()) {
          ch.close(true);
          return;
        }
        // No input for the command: EOF at once, so a command reading stdin does not wait forever.
        try {
          ch.getInvertedIn().close();
        } catch (Exception ignored) {
          // the command may already be done
        }
      });
    } catch (Exception e) {
      ch.close(true);
    }
  }

  /**
   * Ends the remote command, not just our side: closing an exec channel without a terminal leaves the
   * command running on the target (sshd hangs up nothing it could signal). So the channel first asks sshd
   * to send {@code SIGKILL} to the command's process group (RFC 4254 §6.9 {@code signal}, which OpenSSH
   * honours since 7.9), then closes; a target that ignores the request still loses the channel.
   */
  private void kill(ChannelExec ch) {
    try {
      Buffer b = ch.getSession().createBuffer(SshConstants.SSH_MSG_CHANNEL_REQUEST, 32);
      b.putUInt(ch.getRecipient());
      b.putString("signal");
      b.putBoolean(false);
      b.putString("KILL");
      ch.writePacket(b);
    } catch (Exception e) {
      // the channel is already going; closing it below is all that is left
    }
    // The command's death closes the channel from the far side; if it does not, close it ourselves.
    vertx.setTimer(KILL_GRACE.toMillis(), id -> ch.close(true));
  }
}
