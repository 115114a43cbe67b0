package dev.ephyr.client.bridge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.ephyr.client.ClientException;
import dev.ephyr.client.Credential;
import dev.ephyr.client.Refusal;
import dev.ephyr.client.TaskClient;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspection;
import dev.ephyr.protocol.verify.TokenInspector;
import java.util.function.Consumer;

/**
 * Decides which token the bridge sends: a token already bound to this key as it is; a pending-bind token's
 * bound form from an earlier run; otherwise it binds the pending task on the first call ({@code task_bind}
 * with a proof from this key) and keeps the bound token. Unbound tokens without a bind deadline are refused:
 * the bridge exists to carry holder-bound tokens.
 */
public final class TokenGate {
  private final String task;
  private final String jkt;
  private final BoundTokenStore store;
  private final TaskClient tasks;
  private final Consumer<String> log;
  private String pending; // guarded by this; null once bound
  private volatile Credential ready;

  private TokenGate(String task, String jkt, String pending, Credential ready, BoundTokenStore store, TaskClient tasks,
      Consumer<String> log) {
    this.task = task;
    this.jkt = jkt;
    this.pending = pending;
    this.ready = ready;
    this.store = store;
    this.tasks = tasks;
    this.log = log;
  }

  /** What a request may go out with. */
  public sealed interface Result {
    /** Send with this credential. */
    record Ready(Credential credential) implements Result {}

    /** The token cannot be used (bind refused, or bound to another key). */
    record Refused(Refusal refusal) implements Result {}

    /** The bind could not be attempted (no node reachable); a later call tries again. */
    record Failed(String detail) implements Result {}
  }

  /** A gate, or the refusal that makes the token useless with this key. */
  public sealed interface Opened {
    /** The token can be used (possibly after a bind). */
    record Usable(TokenGate gate) implements Opened {}

    /** The token is bound to another key. */
    record Unusable(Refusal refusal) implements Opened {}
  }

  /**
   * Looks at {@code token} (without verifying it: the broker does that) and at the store.
   *
   * @param jkt the thumbprint of the key in use
   * @throws ClientException if the text is not a task token, or names no task to bind
   */
  public static Opened open(String token, String jkt, BoundTokenStore store, TaskClient tasks, Consumer<String> log)
      throws ClientException {
    if (token.startsWith("ek_")) {
      throw new ClientException("the token is an agent API key, not a task token; create a task (task_create with "
          + "bind_within) and give the bridge that task's token");
    }
    TokenInspection inspection;
    try {
      inspection = TokenInspector.inspect(token);
    } catch (MacaroonFormatException e) {
      throw new ClientException("the token is not a task token (expected mac_…): " + e.getMessage());
    }
    TaskHop acting = inspection.actingTask();
    if (acting == null) {
      throw new ClientException("the token names no task");
    }
    if (acting.bound()) {
      if (!acting.holder().equals(jkt)) {
        return new Opened.Unusable(new Refusal(0, "pop_key_mismatch", "task " + acting.task()
            + " is bound to key " + acting.holder() + ", but the key file holds " + jkt));
      }
      log.accept("task " + acting.task() + " is bound to this key (" + jkt + ")");
      return new Opened.Usable(new TokenGate(acting.task(), jkt, null, Credential.proofToken(token), store, tasks, log));
    }
    if (!acting.bindPending()) {
      throw new ClientException("task " + acting.task() + " is not bound to a holder key and has no bind deadline, "
          + "so the bridge cannot make it holder-bound; delegate or create the task with bind_within (two-phase "
          + "bind) or with holder_jkt=" + jkt);
    }
    String kept = store.find(acting.task(), jkt);
    if (kept != null) {
      log.accept("task " + acting.task() + " was bound to this key (" + jkt + ") by an earlier run; continuing with "
          + "its bound token from " + store.file());
      return new Opened.Usable(new TokenGate(acting.task(), jkt, null, Credential.proofToken(kept), store, tasks, log));
    }
    log.accept("task " + acting.task() + " awaits its bind; the first call binds it to this key (" + jkt + ")");
    return new Opened.Usable(new TokenGate(acting.task(), jkt, token, null, store, tasks, log));
  }

  /** The acting task. */
  public String task() {
    return task;
  }

  /** The credential for the next request, binding the task first if that has not happened yet. */
  public Result credential() throws InterruptedException {
    Credential c = ready;
    if (c != null) {
      return new Result.Ready(c);
    }
    synchronized (this) {
      if (ready != null) {
        return new Result.Ready(ready);
      }
      TaskClient.Outcome o = tasks.bind(pending);
      if (o instanceof TaskClient.Outcome.Refused r) {
        return new Result.Refused(r.refusal());
      }
      if (o instanceof TaskClient.Outcome.Failed f) {
        return new Result.Failed("could not bind task " + task + ": " + f.detail());
      }
      JsonNode v = ((TaskClient.Outcome.Ok) o).value();
      String bound = v.path("token").asText(null);
      if (bound == null || !jkt.equals(v.path("holder_jkt").asText())) {
        return new Result.Failed("task_bind answered without a bound token for this key");
      }
      try {
        store.save(task, jkt, bound);
      } catch (ClientException e) {
        // The bound token still works for this run; only a restart would lose it.
        log.accept("warning: " + e.getMessage() + "; a restart of the bridge will not be able to continue");
      }
      pending = null;
      ready = Credential.proofToken(bound);
      log.accept("bound task " + task + " to this key (" + jkt + "); the bound token is kept in " + store.file());
      return new Result.Ready(ready);
    }
  }
}
