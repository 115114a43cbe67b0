package dev.ephyr.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.core.IExecutorService;
import com.hazelcast.core.MultiExecutionCallback;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs a callable on every current member and collects which answered {@code true} (applied and durable
 * there). The quorum is this node's own view, checked before sending and again before answering, and the
 * acknowledgements themselves must reach it: fewer than the quorum is a failure, never a success.
 */
final class AllMembers {

  private static final Logger LOG = LoggerFactory.getLogger(AllMembers.class);

  private final HazelcastInstance hz;
  private final IExecutorService executor;
  private final NodeHealth health;
  private final ScheduledExecutorService scheduler;
  private final Duration timeout;
  private final int quorum;
  private final Function<Member, String> nodeIdOf;
  private final StateStore state;

  /** {@code state} is this node's store, or null when it keeps none (tests of the in-memory cluster). */
  AllMembers(HazelcastInstance hz, IExecutorService executor, NodeHealth health, ScheduledExecutorService scheduler,
      Duration timeout, int quorum, Function<Member, String> nodeIdOf, StateStore state) {
    this.hz = hz;
    this.executor = executor;
    this.health = health;
    this.scheduler = scheduler;
    this.timeout = timeout;
    this.quorum = quorum;
    this.nodeIdOf = nodeIdOf;
    this.state = state;
  }

  /** Acknowledging members and missing members, by node id. */
  record Acks(List<String> acknowledged, List<String> missing) {}

  /** Fails with {@link ClusterUnavailableException} unless this node sees the quorum now. */
  void requireQuorum(String what) {
    if (!health.quorumPresent()) {
      throw new ClusterUnavailableException(what + ": this node does not see a quorum of " + quorum + " members");
    }
    int seen = hz.getCluster().getMembers().size();
    if (seen < quorum) {
      throw new ClusterUnavailableException(what + ": this node sees " + seen + " member(s), quorum " + quorum);
    }
  }

  /**
   * Fails unless this node may write security state now: {@link ClusterUnavailableException} without the quorum,
   * {@link StateStoreException} while its own store refuses writes (full or failing disk).
   */
  void requireWritable(String what) {
    requireQuorum(what);
    String refusal = localStoreRefusal();
    if (refusal != null) {
      throw new StateStoreException(refusal);
    }
  }

  /** Why this node's store refuses writes, or null while it accepts them (or the node keeps none). */
  private String localStoreRefusal() {
    return state == null ? null : state.refusal();
  }

  /**
   * Sends the callable to every other current member without waiting for any answer: for records whose
   * acknowledgement only promises durability on this member (the others get them later at the latest through
   * the cold-start exchange). Failures are logged at debug level, never surfaced.
   */
  void sendToOthers(Callable<Boolean> task, String what) {
    try {
      Member self = hz.getCluster().getLocalMember();
      List<Member> others = new ArrayList<>();
      for (Member m : hz.getCluster().getMembers()) {
        if (!m.equals(self)) {
          others.add(m);
        }
      }
      if (!others.isEmpty()) {
        executor.submitToMembers(task, others);
      }
    } catch (RuntimeException e) {
      LOG.debug("{}: not sent to the other members now ({}); the cold-start exchange carries it", what, e.toString());
    }
  }

  CompletionStage<Acks> apply(Callable<Boolean> task, String what) {
    Set<Member> members;
    try {
      requireQuorum(what);
      members = hz.getCluster().getMembers();
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(WatermarkStore.unavailable(what, e));
    }
    Set<Member> acked = ConcurrentHashMap.newKeySet();
    CompletableFuture<Acks> done = new CompletableFuture<>();
    Runnable finish = () -> {
      if (done.isDone()) {
        return;
      }
      List<String> yes = new ArrayList<>();
      List<String> no = new ArrayList<>();
      for (Member m : members) {
        (acked.contains(m) ? yes : no).add(nodeIdOf.apply(m));
      }
      if (!health.quorumPresent()) {
        done.completeExceptionally(new ClusterUnavailableException(what
            + ": this node lost the quorum before the acknowledgement; not acknowledged"));
      } else if (yes.size() < quorum && localStoreRefusal() != null) {
        // Said as such, so that the caller hears "this node's disk" (503 state_unwritable), not "the cluster".
        done.completeExceptionally(new StateStoreException(what + ": not acknowledged; " + localStoreRefusal()));
      } else if (yes.size() < quorum) {
        done.completeExceptionally(new ClusterUnavailableException(what + ": only " + yes.size()
            + " member(s) made it durable, quorum " + quorum + "; not acknowledged (missing " + no + ")"));
      } else {
        done.complete(new Acks(yes, no));
      }
    };
    ScheduledFuture<?> timer = scheduler.schedule(finish, timeout.toNanos(), TimeUnit.NANOSECONDS);
    done.whenComplete((r, e) -> timer.cancel(false));
    try {
      executor.submitToMembers(task, members, new MultiExecutionCallback() {
        @Override
        public void onResponse(Member member, Object value) {
          if (Boolean.TRUE.equals(value)) {
            acked.add(member);
            if (acked.containsAll(members)) {
              finish.run();
            }
          }
        }

        @Override
        public void onComplete(Map<Member, Object> values) {
          finish.run();
        }
      });
    } catch (RuntimeException e) {
      finish.run(); // nobody acknowledged: fails below the quorum
    }
    return done;
  }
}
