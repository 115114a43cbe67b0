package dev.ephyr.load;

import dev.ephyr.cluster.Durations;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * What one load run does, parsed strictly from the command line (every value bounded).
 *
 * @param nodes how many local broker processes to start (0 when {@code targets} are given)
 * @param targets base URLs of running nodes to drive instead of a local cluster
 * @param apiKey the agent API key for {@code targets} (local clusters make their own)
 * @param duration how long each load phase runs
 * @param warmup unrecorded load before each throughput phase (the JIT needs it)
 * @param rate requests per second across all nodes, or 0 for flat out
 * @param concurrency requests in flight per node
 * @param scenarios the scenarios to run, in order
 * @param out the report folder
 * @param brokerJar the broker jar local nodes run
 * @param revocations revocations the race performs at least
 * @param quick short phases (about a minute in all)
 * @param baseline run the baseline first, so every scenario is also reported as a ratio to it
 */
record LoadOptions(int nodes, List<String> targets, String apiKey, Duration duration, Duration warmup, int rate,
    int concurrency,
    List<String> scenarios, Path out, Path brokerJar, int revocations, boolean quick, boolean baseline) {

  static final List<String> ALL_SCENARIOS = List.of("verify-bearer", "verify-dpop", "bearer-stateless", "churn",
      "task-ops", "revocation-race", RevokeLoad.NAME, "node-loss", "scaling");

  static final String USAGE = """
      usage: ephyr loadtest [options]

      Starts a local cluster of broker processes (or drives running nodes), runs the scenarios and writes
      report.json and report.html to the output folder. Every process it starts is stopped on exit, also on
      Ctrl-C.

        --nodes N           local broker processes to start (1-9, default 3)
        --targets URL,...   drive these running nodes instead (needs --api-key or EPHYR_LOAD_API_KEY)
        --api-key KEY       the agent API key for --targets
        --duration D        length of each load phase, e.g. 30s, 2m (1s-1h, default 30s)
        --warmup D          unrecorded load before each throughput phase (0s-10m, default 10s)
        --rate R            requests per second over all nodes (default 0: flat out)
        --concurrency C     requests in flight per node (1-1024, default 64)
        --scenarios LIST    comma-separated subset of: %s
        --revocations N     revocations the race performs at least (10-100000, default 1000)
        --out DIR           report folder (default report/)
        --broker-jar FILE   broker jar for local nodes (default broker/target/ephyr.jar)
        --no-baseline       skip the baseline (a bare JSON-RPC server driven the same way, run first so
                            that every scenario is also reported as a ratio to it; never with --targets)
        --quick             short phases (4s each, 2s warm-up; scaling at 1 and N nodes only), about
                            a minute and a half in all
        --help              this text
      """.formatted(String.join(", ", ALL_SCENARIOS));

  /** Thrown for a bad command line; the message says what and why. */
  static final class BadOption extends Exception {
    BadOption(String message) {
      super(message);
    }
  }

  static LoadOptions parse(List<String> args, String envApiKey) throws BadOption {
    int nodes = 3;
    boolean nodesGiven = false;
    List<String> targets = List.of();
    String apiKey = envApiKey;
    Duration duration = null;
    Duration warmup = null;
    int rate = 0;
    int concurrency = 64;
    List<String> scenarios = null;
    Path out = Path.of("report");
    Path jar = Path.of("broker/target/ephyr.jar");
    int revocations = 1000;
    boolean quick = false;
    boolean baseline = true;
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "--quick" -> quick = true;
        case "--no-baseline" -> baseline = false;
        case "--nodes" -> {
          nodes = intValue(a, value(args, ++i, a), 1, 9);
          nodesGiven = true;
        }
        case "--targets" -> targets = urls(value(args, ++i, a));
        case "--api-key" -> apiKey = value(args, ++i, a);
        case "--duration" -> duration = duration(a, value(args, ++i, a), 1000);
        case "--warmup" -> warmup = duration(a, value(args, ++i, a), 0);
        case "--rate" -> rate = intValue(a, value(args, ++i, a), 0, 1_000_000);
        case "--concurrency" -> concurrency = intValue(a, value(args, ++i, a), 1, 1024);
        case "--scenarios" -> scenarios = scenarios(value(args, ++i, a));
        case "--revocations" -> revocations = intValue(a, value(args, ++i, a), 10, 100_000);
        case "--out" -> out = Path.of(value(args, ++i, a));
        case "--broker-jar" -> jar = Path.of(value(args, ++i, a));
        default -> throw new BadOption("unknown option '" + a + "' (see --help)");
      }
    }
    if (!targets.isEmpty()) {
      if (nodesGiven) {
        throw new BadOption("--nodes and --targets exclude each other: start nodes, or drive running ones");
      }
      if (apiKey == null || apiKey.isBlank()) {
        throw new BadOption("--targets needs the agent API key: --api-key KEY or EPHYR_LOAD_API_KEY");
      }
      nodes = 0;
      baseline = false; // the baseline runs here, the targets elsewhere: a ratio between them would mislead
    }
    if (duration == null) {
      duration = quick ? Duration.ofSeconds(4) : Duration.ofSeconds(30);
    }
    if (warmup == null) {
      warmup = quick ? Duration.ofSeconds(2) : Duration.ofSeconds(10);
    }
    if (scenarios == null) {
      scenarios = targets.isEmpty() ? ALL_SCENARIOS
          : ALL_SCENARIOS.stream().filter(s -> !s.equals("node-loss") && !s.equals("scaling")).toList();
    } else if (!targets.isEmpty() && (scenarios.contains("node-loss") || scenarios.contains("scaling"))) {
      throw new BadOption("node-loss and scaling start and kill processes: they need a local cluster (--nodes)");
    }
    if (scenarios.contains("node-loss") && nodes < 2 && targets.isEmpty()) {
      throw new BadOption("node-loss needs at least 2 nodes (--nodes 2 or more)");
    }
    if (scenarios.stream().allMatch(s -> s.equals("scaling"))) {
      baseline = false; // scaling reports its own ratios between cluster sizes
    }
    return new LoadOptions(nodes, targets, apiKey, duration, warmup, rate, concurrency, scenarios, out, jar, revocations,
        quick, baseline);
  }

  private static String value(List<String> args, int i, String option) throws BadOption {
    if (i >= args.size() || args.get(i).startsWith("--")) {
      throw new BadOption(option + " needs a value");
    }
    return args.get(i);
  }

  private static int intValue(String option, String v, int min, int max) throws BadOption {
    try {
      int n = Integer.parseInt(v);
      if (n < min || n > max) {
        throw new BadOption(option + " must be between " + min + " and " + max + ", not " + n);
      }
      return n;
    } catch (NumberFormatException e) {
      throw new BadOption(option + " must be a whole number, not '" + v + "'");
    }
  }

  static Duration duration(String option, String v, long minMillis) throws BadOption {
    Duration d;
    try {
      d = Durations.parse(v);
    } catch (IllegalArgumentException e) {
      throw new BadOption(option + " must look like 30s, 2m or 1h, not '" + v + "'");
    }
    if (d.toMillis() < minMillis || d.compareTo(Duration.ofHours(1)) > 0) {
      throw new BadOption(option + " must be between " + (minMillis / 1000) + "s and 1h, not " + v);
    }
    return d;
  }

  private static List<String> urls(String v) throws BadOption {
    List<String> out = new ArrayList<>();
    for (String u : v.split(",")) {
      String t = u.trim();
      while (t.endsWith("/")) {
        t = t.substring(0, t.length() - 1);
      }
      if (!t.matches("https?://[A-Za-z0-9.\\-\\[\\]:]+")) {
        throw new BadOption("--targets takes base URLs like http://127.0.0.1:8554, not '" + u + "'");
      }
      out.add(t);
    }
    if (out.isEmpty() || out.size() > 32) {
      throw new BadOption("--targets takes 1 to 32 URLs");
    }
    return List.copyOf(out);
  }

  private static List<String> scenarios(String v) throws BadOption {
    Set<String> out = new LinkedHashSet<>();
    for (String s : v.split(",")) {
      String t = s.trim();
      if (!ALL_SCENARIOS.contains(t)) {
        throw new BadOption("unknown scenario '" + t + "'; choose from " + String.join(", ", ALL_SCENARIOS));
      }
      out.add(t);
    }
    return List.copyOf(out);
  }
}
