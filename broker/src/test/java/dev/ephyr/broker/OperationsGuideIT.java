package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import dev.ephyr.broker.GuideBlocks.Block;
import dev.ephyr.broker.GuideBlocks.Skip;
import dev.ephyr.testing.Eventually;
import dev.ephyr.testing.FreePorts;
import io.vertx.core.json.JsonObject;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code docs/operations.md} followed literally: its {@code sh} blocks run as written, in order, in one bash
 * ({@code set -euo pipefail}) in a fresh folder, with the unpacked release archive's {@code bin/} first on the
 * PATH — three nodes on one machine, as the guide walks through them — and what its comments say the commands
 * print is checked. Everything the guide starts in the background lives in one process group, stopped at the end
 * whatever happens. {@code -Dguide.doc=FILE} runs another copy of the guide.
 */
class OperationsGuideIT {
  /** The whole walkthrough: three node starts, a restart of all three, some twenty CLI runs. */
  private static final long DEADLINE_SECONDS = 240;
  /** Blocks the guide may leave out, each with its reason (systemd, and the TLS variant of the lab). */
  private static final int MAX_SKIPPED = 3;
  /** The lab's API keys and tokens, as they appear in bash's trace and in curl's output. */
  private static final Pattern SECRET =
      Pattern.compile("(ek_|Bearer |\"token\":\"|TOKEN=|KEY=)[A-Za-z0-9._~+/=-]{16,}");

  @TempDir Path dir;
  private long pgid = -1;
  private Thread reaper;

  private static Path guide() {
    String other = System.getProperty("guide.doc");
    if (other != null && !other.isBlank()) {
      return Path.of(other).toAbsolutePath();
    }
    Path here = Path.of("").toAbsolutePath();
    Path doc = here.resolve("docs/operations.md");
    return Files.isRegularFile(doc) ? doc : here.getParent().resolve("docs/operations.md");
  }

  @AfterEach
  void stopEverythingTheGuideStarted() throws Exception {
    if (pgid > 0) {
      stopGroup(pgid);
      Runtime.getRuntime().removeShutdownHook(reaper);
    }
  }

  /** SIGTERM to the group (the nodes stop cleanly), then SIGKILL to whatever is left after a while. */
  private static void stopGroup(long pgid) throws IOException, InterruptedException {
    signal("-TERM", pgid);
    try {
      Eventually.await(Duration.ofSeconds(40), "the guide's processes to stop", () -> !signal("-0", pgid));
    } catch (AssertionError lingering) {
      // some did not stop: SIGKILL below
    }
    signal("-KILL", pgid);
  }

  /** {@code kill SIG -- -PGID}; true when some process of the group received it. */
  private static boolean signal(String sig, long pgid) throws IOException, InterruptedException {
    Process p = new ProcessBuilder("kill", sig, "--", "-" + pgid).redirectErrorStream(true)
        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    return p.waitFor(10, TimeUnit.SECONDS) && p.exitValue() == 0;
  }

  @Test
  void theOperationsGuide_runsAsWritten_andDoesWhatItSays() throws Exception {
    Path doc = guide();
    List<Block> blocks = GuideBlocks.parse(Files.readString(doc, StandardCharsets.UTF_8));
    List<Block> skipped = blocks.stream().filter(b -> b.mark() instanceof Skip).toList();
    assertTrue(skipped.size() <= MAX_SKIPPED, "too many blocks left out of the run: " + skipped);
    List<Block> loose = blocks.stream()
        .filter(b -> b.lang().equals("yaml") && b.mark() instanceof GuideBlocks.Run).toList();
    assertEquals(List.of(), loose, "a yaml block must be written by a command, marked 'file PATH' or 'skip (REASON)'");
    GuideScript.Script script = GuideScript.of(blocks);
    assertTrue(script.steps().size() >= 15, "steps: " + script.steps().size());

    requireTools("bash", "setsid", "curl", "openssl");
    Path home = ReleaseArchive.unpack(dir.resolve("release"));
    Path run = Files.createDirectories(dir.resolve("run"));
    Path out = Files.createDirectories(dir.resolve("out"));
    Path file = dir.resolve("guide.sh");
    Files.writeString(file, script.text());
    int http = FreePorts.run(3);
    int cluster = FreePorts.run(3);

    ProcessBuilder pb = new ProcessBuilder("setsid", "-w", "bash", file.toString()).directory(run.toFile());
    Map<String, String> env = pb.environment();
    env.keySet().removeIf(k -> k.startsWith("EPHYR_")); // the reader's shell, not the test's
    env.putAll(ReleaseArchive.smallJvmEnv());
    env.put("PATH", home.resolve("bin") + ":" + System.getenv("PATH"));
    // The reader's own choices, all of them in the environment: small nodes, and ports free on this machine.
    env.put("EPHYR_VERTX_EVENT_LOOPS", "1");
    env.put("EPHYR_HTTP_INSTANCES", "1");
    for (int i = 0; i < 3; i++) {
      env.put("P" + (i + 1), "" + (http + i));
      env.put("C" + (i + 1), "" + (cluster + i));
    }
    env.put("GUIDE_OUT", out.toString());
    Process bash = pb.redirectErrorStream(true).redirectOutput(dir.resolve("bash.txt").toFile()).start();
    // The group is known once bash has written it; until then bash itself is the only process to stop.
    try {
      Eventually.await(Duration.ofSeconds(30), "bash names its process group", () -> {
        if (!bash.isAlive() && !Files.exists(out.resolve("pgid"))) {
          throw new AssertionError("bash exited: " + Files.readString(dir.resolve("bash.txt")));
        }
        return Files.exists(out.resolve("pgid"));
      });
    } catch (AssertionError e) {
      bash.destroyForcibly();
      throw e;
    }
    pgid = Long.parseLong(Files.readString(out.resolve("pgid")).strip());
    long group = pgid;
    reaper = new Thread(() -> {
      try {
        stopGroup(group);
      } catch (Exception e) {
        // the JVM is going away; nothing left to report to
      }
    });
    Runtime.getRuntime().addShutdownHook(reaper);

    boolean finished = bash.waitFor(DEADLINE_SECONDS, TimeUnit.SECONDS);
    // bash's trace (each command with its start time) stays beside the reports, for a look after a slow or failed run
    if (Files.isDirectory(Path.of("target")) && Files.exists(out.resolve("trace.txt"))) {
      Files.writeString(Path.of("target", "operations-guide-trace.txt"),
          redact(Files.readString(out.resolve("trace.txt"), StandardCharsets.UTF_8)));
    }
    String current = Files.exists(out.resolve("current")) ? Files.readString(out.resolve("current")).strip() : "0";
    if (!finished || bash.exitValue() != 0 || !current.equals("done")) {
      fail((finished ? "the guide failed (bash exit " + bash.exitValue() + ")" : "the guide did not finish in "
          + DEADLINE_SECONDS + " s") + " at " + where(script, current, out, run));
    }

    // §1-§2: the files the commands wrote, with the modes the guide says.
    assertEquals("rw-------", perms(run.resolve("lab/keyring.json")));
    assertEquals("rw-------", perms(run.resolve("lab/claude.key")));
    assertTrue(step(script, out, "ephyr keys fingerprint").strip().length() > 8, "the fingerprint is printed");

    // §3: each node logs where it serves, is ready, and sees three members.
    for (int i = 1; i <= 3; i++) {
      String log = Files.readString(run.resolve("lab/n" + i + ".log"));
      assertTrue(log.contains("node n" + i + " serving MCP at http://127.0.0.1:" + (http + i - 1) + "/mcp"), log);
    }
    String ready = step(script, out, "metrics | grep");
    for (int i = 1; i <= 3; i++) {
      assertTrue(ready.contains("{\"status\":\"ready\",\"node\":\"n" + i + "\"}"), ready);
    }
    assertTrue(Pattern.compile("(?m)^ephyr_cluster_members(\\{[^}]*\\})? 3(\\.0)?$").matcher(ready).find(), ready);

    // §4: created on n1, used on n2, revoked on n3 (acknowledged by all), refused on n2.
    List<String> task = step(script, out, "/revoke").strip().lines().toList();
    assertEquals(3, task.size(), redact(task.toString()));
    assertTrue(task.get(0).endsWith(" 200") && task.get(0).contains("\"task_id\""), redact(task.get(0)));
    assertTrue(task.get(1).endsWith(" 200") && task.get(1).contains("\"acknowledged_by_all\":true"),
        redact(task.get(1)));
    assertTrue(task.get(2).endsWith(" 401") && task.get(2).contains("\"revoked\""), redact(task.get(2)));

    // §5: the admin entry went into the policy, and the admin commands see the cluster.
    assertTrue(step(script, out, "admin key --admin alice").startsWith("admins:"), "the policy entry is printed");
    String admin = step(script, out, "ephyr admin status --url");
    for (String n : List.of("n1", "n2", "n3")) {
      assertTrue(admin.contains(n), admin);
    }

    // §6: a configuration reload links every node to its signer (each CA published), the restart keeps them, and
    // the revocation survived stopping every node.
    for (String marker : List.of("config-reload --all", "still three lines")) {
      String answer = step(script, out, marker);
      assertEquals(3, answer.lines().filter(l -> l.startsWith("ssh-")).count(), marker + ":\n" + answer);
    }
    JsonObject created = new JsonObject(Files.readString(run.resolve("lab/task.json")));
    Http.Response again = Http.get("http://127.0.0.1:" + http + "/v1/tasks/" + created.getString("task_id"),
        Map.of("Authorization", "Bearer " + created.getString("token")));
    assertEquals(401, again.status(), again.toString());

    // §7: the backup is complete (its manifest is written last) and restores into a new node's folders.
    assertTrue(step(script, out, "ephyr state backup").contains("backup written to"), "the backup says what it holds");
    Path backups = run.resolve("lab/backups");
    try (Stream<Path> s = Files.list(backups)) {
      Path b = s.findFirst().orElseThrow();
      assertTrue(Files.isRegularFile(b.resolve("manifest.json")), "manifest in " + b);
      assertTrue(Files.isRegularFile(b.resolve("state/ephyr-state.mv.db")), "state in " + b);
    }
    assertTrue(Files.isRegularFile(run.resolve("lab/n4/state/ephyr-state.mv.db")), "restored state");
    String restored = step(script, out, "ephyr state restore");
    assertTrue(restored.contains("restored") && restored.contains("OK"), restored);

    // §9: init wrote both layouts.
    assertTrue(Files.isRegularFile(run.resolve("quick-lab/n1/node.yaml")), "quick-lab");
    assertTrue(Files.isRegularFile(run.resolve("prod/n3/node.yaml")), "prod");
    assertTrue(step(script, out, "--dir quick-lab").contains("node --config"), "init prints the commands to run");
  }

  /** The programs the guide's commands use besides ephyr: skipped with a hint where missing, failed under CI. */
  private static void requireTools(String... tools) throws IOException, InterruptedException {
    List<String> missing = new ArrayList<>();
    for (String t : tools) {
      Process p = new ProcessBuilder("sh", "-c", "command -v " + t).redirectErrorStream(true)
          .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        missing.add(t);
      }
    }
    String hint = "the guide's commands need " + missing + " (apt-get install curl openssl util-linux)";
    if ("true".equals(System.getenv("CI"))) {
      assertEquals(List.of(), missing, hint);
    }
    org.junit.jupiter.api.Assumptions.assumeTrue(missing.isEmpty(), hint);
  }

  /** The output of the first step whose block contains {@code marker}. */
  private static String step(GuideScript.Script script, Path out, String marker) throws IOException {
    for (int i = 0; i < script.steps().size(); i++) {
      if (script.steps().get(i).text().contains(marker)) {
        return Files.readString(out.resolve("step-" + (i + 1) + ".txt"));
      }
    }
    throw new AssertionError("no block of the guide contains " + marker);
  }

  private static String perms(Path p) throws IOException {
    return java.nio.file.attribute.PosixFilePermissions.toString(Files.getPosixFilePermissions(p));
  }

  /** The failing step's block, its output, bash's last trace lines and the tails of the lab's logs. */
  private static String where(GuideScript.Script script, String current, Path out, Path run) throws IOException {
    StringBuilder s = new StringBuilder();
    if (current.matches("\\d+") && Integer.parseInt(current) >= 1) {
      int n = Integer.parseInt(current);
      Block b = script.steps().get(n - 1);
      s.append("the block at line ").append(b.line()).append(":\n").append(b.text());
      s.append("--- its output:\n").append(tail(out.resolve("step-" + n + ".txt"), 40));
    } else {
      s.append("the start (step ").append(current).append(")\n");
    }
    s.append("--- trace:\n").append(tail(out.resolve("trace.txt"), 15));
    List<Path> logs = new ArrayList<>();
    Path lab = run.resolve("lab");
    if (Files.isDirectory(lab)) {
      try (Stream<Path> w = Files.walk(lab, 3)) {
        w.filter(p -> p.toString().endsWith(".log")).sorted().forEach(logs::add);
      }
    }
    for (Path log : logs) {
      s.append("--- ").append(run.relativize(log)).append(":\n").append(tail(log, 15));
    }
    return s.toString();
  }

  private static String tail(Path file, int lines) throws IOException {
    if (!Files.exists(file)) {
      return "(none)\n";
    }
    List<String> all = Files.readAllLines(file, StandardCharsets.UTF_8);
    return redact(String.join("\n", all.subList(Math.max(0, all.size() - lines), all.size())) + "\n");
  }

  /** The lab's keys and tokens are throwaway, but a report or CI log still shows none of them. */
  private static String redact(String text) {
    return SECRET.matcher(text).replaceAll("$1[redacted]");
  }
}
