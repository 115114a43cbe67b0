package dev.ephyr.cluster;

import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.map.IMap;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;

/**
 * Every SSH certificate issued in the cluster (serial → a non-secret JSON record), what the KRL is built
 * from. A record is stored in the cluster map and on disk on every live member before {@link #put}
 * completes, and each member's state store keeps the serial high-water mark, so a restart of the whole
 * cluster neither forgets a revoked subtree's certificates nor hands out an old serial again.
 */
public final class CertificateLedger {

  static final String MAP_NAME = "ephyr.ssh.certs";

  private final HazelcastInstance hz;
  private final Executor worker;
  private final Clock clock;
  private final AllMembers allMembers;
  private final StateStore state;

  CertificateLedger(HazelcastInstance hz, ClusterConfig config, Executor worker, AllMembers allMembers,
      StateStore state) {
    this.hz = hz;
    this.worker = worker;
    this.clock = config.clock();
    this.allMembers = allMembers;
    this.state = state;
  }

  private IMap<String, String> map() {
    return hz.getMap(MAP_NAME);
  }

  /** Records certificate {@code serial} until {@code keepUntil}; completes once durable on every live member. */
  public CompletionStage<Void> put(long serial, String json, Instant keepUntil) {
    Objects.requireNonNull(json, "json");
    Objects.requireNonNull(keepUntil, "keepUntil");
    String what = "record certificate " + serial;
    long ttl = Math.max(1_000L, keepUntil.toEpochMilli() - clock.millis());
    try {
      allMembers.requireWritable(what);
      return map().setAsync(Long.toString(serial), json, ttl, TimeUnit.MILLISECONDS)
          .thenCompose(v -> allMembers.apply(PersistRecord.certificate(serial, keepUntil.toEpochMilli(), json), what))
          .handle((acks, e) -> {
            if (e != null) {
              throw WatermarkStore.unavailable(what, e);
            }
            return null;
          });
    } catch (RuntimeException e) {
      return CompletableFuture.failedFuture(WatermarkStore.unavailable(what, e));
    }
  }

  /** Every live record's JSON (the map is bounded by the signers' rate limits); runs on the node's worker. */
  public CompletionStage<List<String>> all() {
    return CompletableFuture.supplyAsync(() -> new ArrayList<>(map().values()), worker);
  }

  /** Cold start: pushes stored records and the serial high-water mark into the cluster. Blocking; worker thread. */
  int pushFromStore(SerialGenerator serials) {
    if (state == null) {
      return 0;
    }
    long now = clock.millis();
    int pushed = 0;
    List<CompletableFuture<?>> window = new ArrayList<>();
    for (Map.Entry<Long, String> e : state.certificates().entrySet()) {
      long ttl = state.certificateKeepUntil(e.getKey()) - now;
      if (ttl <= 0) {
        continue;
      }
      // A serial's record never changes, so writing it again is harmless.
      window.add(map().setAsync(Long.toString(e.getKey()), e.getValue(), ttl, TimeUnit.MILLISECONDS)
          .toCompletableFuture());
      pushed++;
    }
    CompletableFuture.allOf(window.toArray(new CompletableFuture[0])).join();
    serials.raiseTo(state.serialHigh());
    return pushed;
  }

  private static final java.util.regex.Pattern VALID_BEFORE =
      java.util.regex.Pattern.compile("\"valid_before\"\\s*:\\s*(\\d{1,18})");

  /** The record's own expiry (its certificate's {@code valid_before} plus a minute), or a day if unreadable. */
  static long keepUntil(String json, long nowMillis) {
    java.util.regex.Matcher m = VALID_BEFORE.matcher(json);
    return m.find() ? Long.parseLong(m.group(1)) * 1000 + 60_000 : nowMillis + TimeUnit.DAYS.toMillis(1);
  }

  /** Cold start: stores what the cluster has that this node lacks. Blocking; worker thread. */
  void pullIntoStore(SerialGenerator serials) {
    if (state == null) {
      return;
    }
    long now = clock.millis();
    List<CompletableFuture<Void>> writes = new ArrayList<>();
    for (Map.Entry<String, String> e : map().entrySet()) {
      writes.add(state.putCertificate(Long.parseLong(e.getKey()), keepUntil(e.getValue(), now), e.getValue()));
    }
    writes.add(state.raiseSerialHigh(serials.current()));
    CompletableFuture.allOf(writes.toArray(new CompletableFuture[0])).join();
  }
}
