package dev.ephyr.load;

import io.vertx.core.json.JsonArray;
import io.vertx.core.json.JsonObject;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

/**
 * {@code tools/call task_info} with bearer task tokens in the two MCP eras, same run: 2025-11-25 with a session
 * (each call names its {@code Mcp-Session-Id}, which the broker checks) against 2026-07-28 stateless (version
 * and capabilities in {@code _meta}, the Mcp-Method/Mcp-Name headers checked against the body, no session).
 * Interleaved rounds, the order flipped each round, so drift on a shared machine hits both arms alike; the
 * figure is the median over rounds of the stateless/session throughput ratio.
 */
final class RevisionScenario {
  static final String NAME = "bearer-stateless";
  private static final int TASKS = 64;
  private static final int ROUNDS = 10;

  private RevisionScenario() {}

  static JsonObject run(Workload w, NodeStats stats) {
    List<Workload.Task> tasks = w.createTasks(TASKS, false);
    List<String> sessions = new ArrayList<>();
    for (int i = 0; i < tasks.size(); i++) {
      sessions.add(w.client().initialize(w.node(i), tasks.get(i).token()).await());
    }
    AtomicLong next = new AtomicLong();
    LoadLoop.Operation session = (node, due) -> {
      int i = (int) (next.getAndIncrement() % tasks.size());
      return w.client().taskInfoInSession(w.node(node), tasks.get(i).token(), sessions.get(i));
    };
    LoadLoop.Operation stateless = (node, due) -> {
      int i = (int) (next.getAndIncrement() % tasks.size());
      return w.client().taskInfoStateless(w.node(node), tasks.get(i).token());
    };
    Duration half = w.options().warmup().dividedBy(2);
    if (!half.isZero()) {
      w.loop(w.options().concurrency()).run(half, new Recorder("warmup"), session).await();
      w.loop(w.options().concurrency()).run(half, new Recorder("warmup"), stateless).await();
    }
    Duration slice = w.options().duration().dividedBy(ROUNDS);
    JsonArray rounds = new JsonArray();
    List<Double> ratios = new ArrayList<>();
    List<Double> sessionRates = new ArrayList<>();
    List<Double> statelessRates = new ArrayList<>();
    List<Double> cpuRatios = new ArrayList<>();
    Recorder lastStateless = null;
    Recorder lastSession = null;
    double lastSeconds = 0;
    stats.begin();
    long begin = System.nanoTime();
    for (int r = 0; r < ROUNDS; r++) {
      Recorder s = new Recorder("2025-11-25+session");
      Recorder m = new Recorder("2026-07-28");
      double[] secs = new double[2];
      double[] cpu = new double[2];
      if (r % 2 == 0) {
        secs[0] = measure(w, slice, s, session, stats, cpu, 0);
        secs[1] = measure(w, slice, m, stateless, stats, cpu, 1);
      } else {
        secs[1] = measure(w, slice, m, stateless, stats, cpu, 1);
        secs[0] = measure(w, slice, s, session, stats, cpu, 0);
      }
      // Node CPU per answered request: the steadier figure on a shared machine.
      double sessionCpu = s.count() == 0 ? 0 : cpu[0] * 1e6 / s.count();
      double statelessCpu = m.count() == 0 ? 0 : cpu[1] * 1e6 / m.count();
      if (sessionCpu > 0 && statelessCpu > 0) {
        cpuRatios.add(statelessCpu / sessionCpu);
      }
      double sessionRate = s.accepted() / secs[0];
      double statelessRate = m.accepted() / secs[1];
      sessionRates.add(sessionRate);
      statelessRates.add(statelessRate);
      double ratio = sessionRate <= 0 ? 0 : statelessRate / sessionRate;
      ratios.add(ratio);
      rounds.add(new JsonObject().put("round", r + 1).put("first", r % 2 == 0 ? "session" : "stateless")
          .put("session_per_s", Recorder.round(sessionRate)).put("stateless_per_s", Recorder.round(statelessRate))
          .put("session_p50_ms", s.percentileMs(50)).put("stateless_p50_ms", m.percentileMs(50))
          .put("session_cpu_us_per_request", Recorder.round(sessionCpu))
          .put("stateless_cpu_us_per_request", Recorder.round(statelessCpu))
          .put("ratio", Recorder.round(ratio)));
      lastStateless = m;
      lastSession = s;
      lastSeconds = secs[1];
    }
    double seconds = (System.nanoTime() - begin) / 1e9;
    return new JsonObject().put("scenario", NAME)
        .put("what", "tools/call task_info with bearer task tokens: 2025-11-25 with a session vs 2026-07-28 "
            + "stateless, " + ROUNDS + " interleaved rounds (order flipped each round); medians of the per-round "
            + "stateless/session ratios of throughput and of node CPU per request; result = the last stateless round")
        .put("seconds", Recorder.round(seconds)).put("warmup_seconds", w.options().warmup().toSeconds())
        .put("nodes", w.nodes().size()).put("concurrency_per_node", w.options().concurrency())
        .put("rounds", rounds)
        .put("session_median_per_s", Recorder.round(median(sessionRates)))
        .put("stateless_median_per_s", Recorder.round(median(statelessRates)))
        .put("ratio_median", Recorder.round(median(ratios)))
        .put("cpu_ratio_median", Recorder.round(median(cpuRatios)))
        .put("session_result", lastSession.toJson(lastSeconds))
        .put("result", lastStateless.toJson(lastSeconds)).put("node_stats", stats.end(seconds));
  }

  /** Runs one arm for {@code slice}; its seconds are returned, its node CPU seconds put in {@code cpu[arm]}. */
  private static double measure(Workload w, Duration slice, Recorder rec, LoadLoop.Operation op, NodeStats stats,
      double[] cpu, int arm) {
    double cpuBefore = stats.cpuSecondsSoFar();
    long start = System.nanoTime();
    w.loop(w.options().concurrency()).run(slice, rec, op).await();
    cpu[arm] = stats.cpuSecondsSoFar() - cpuBefore;
    return (System.nanoTime() - start) / 1e9;
  }

  private static double median(List<Double> values) {
    List<Double> v = new ArrayList<>(values);
    v.sort(Double::compare);
    int n = v.size();
    return n == 0 ? 0 : n % 2 == 1 ? v.get(n / 2) : (v.get(n / 2 - 1) + v.get(n / 2)) / 2;
  }
}
