package dev.ephyr.broker.cli;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.ephyr.protocol.caveat.Dimension;
import dev.ephyr.protocol.caveat.Envelope;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import dev.ephyr.protocol.verify.TaskHop;
import dev.ephyr.protocol.verify.TokenInspection;
import dev.ephyr.protocol.verify.TokenInspector;
import java.time.Instant;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** {@code ephyr token inspect}: decodes a task token without the keyring and shows what it claims. */
final class TokenInspect implements Command {
  private static final int MAX_INPUT = 64 * 1024;

  @Override
  public String name() {
    return "token inspect";
  }

  @Override
  public String summary() {
    return "decode a task token: lineage, epochs, holder, envelope, expiry, problems";
  }

  @Override
  public String help() {
    return """
        Usage: ephyr token inspect [--json] TOKEN
               ephyr token inspect [--json] -        (reads the token from stdin)

        Decodes a task token (mac_...) without the keyring: key id, root task, the lineage of tasks with
        their epochs, agents and holders, the effective envelope, the expiry and any structural problems.
        Nothing is verified — the signature, fact tags and revocation need a node. Prefer '-' so the
        token does not land in shell history. Exits 0 when the token decodes (structural problems are
        listed), 1 when the text is not a task token at all.
        """;
  }

  @Override
  public List<OptionSpec> options() {
    return List.of(Options.flag("--json", "machine-readable output"));
  }

  @Override
  public int run(Args args, Io io) throws CliException {
    String arg = args.positionals(1, 1, "token (or - to read it from stdin)").get(0);
    String token = arg.equals("-") ? Stdin.readValue(io, MAX_INPUT, name(), "token") : arg.trim();
    TokenInspection t;
    try {
      t = TokenInspector.inspect(token);
    } catch (MacaroonFormatException e) {
      throw CliException.failed("not a task token: " + e.getMessage());
    }
    long now = io.clock().instant().getEpochSecond();
    if (args.flag("--json")) {
      io.out().println(json(t, now));
    } else {
      text(t, now, io);
    }
    return 0;
  }

  private static void text(TokenInspection t, long now, Io io) {
    var out = io.out();
    out.println("key id      " + orDash(t.kid()));
    out.println("root task   " + orDash(t.rootTask()));
    out.println("lineage     " + (t.lineage().isEmpty() ? "(none)" : ""));
    for (int i = 0; i < t.lineage().size(); i++) {
      TaskHop h = t.lineage().get(i);
      out.println("  " + i + "  " + h.task() + "  agent=" + h.agent() + "  epoch=" + h.epoch() + "  by=" + h.by()
          + "  holder=" + orDash(h.holder())
          + (h.bindPending() ? "  bind-by=" + Instant.ofEpochSecond(h.bindBy()) : ""));
    }
    TaskHop acting = t.actingTask();
    if (acting != null) {
      out.println("acting      " + acting.task() + " (agent " + acting.agent() + ", depth "
          + (t.lineage().size() - 1) + ")");
      out.println("holder      " + (acting.bound() ? acting.holder() + " (proof-of-possession required)"
          : acting.bindPending() ? "none yet: must be bound by " + Instant.ofEpochSecond(acting.bindBy())
              + (acting.bindBy() <= now ? " (deadline passed)" : "")
          : "none (bearer token)"));
    }
    Envelope e = t.envelope();
    out.println("envelope");
    for (Dimension d : Dimension.values()) {
      out.println(String.format("  %-9s %s", d.key(), e.get(d).render()));
    }
    out.println(String.format("  %-9s %s", "tools", e.tools()));
    out.println(String.format("  %-9s %s", "delegate", e.delegate()));
    out.println(String.format("  %-9s %s", "depth <=", e.maxDepth()));
    if (e.expiresAt() > 0) {
      long left = e.expiresAt() - now;
      out.println("expires     " + Instant.ofEpochSecond(e.expiresAt()) + " ("
          + (left > 0 ? "in " + human(left) : "expired " + human(-left) + " ago") + ")");
    } else {
      out.println("expires     never stated (a verifier refuses this token)");
    }
    out.println("caveats     " + t.caveats().size());
    if (t.problems().isEmpty()) {
      out.println("problems    none found");
    } else {
      out.println("problems");
      for (String p : t.problems()) {
        out.println("  - " + p);
      }
    }
    out.println("note        not verified: signature, fact tags and revocation need the keyring and the cluster");
  }

  private static String json(TokenInspection t, long now) {
    ObjectMapper m = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);
    ObjectNode o = m.createObjectNode();
    o.put("verified", false);
    o.put("kid", t.kid());
    o.put("rootTask", t.rootTask());
    ArrayNode lineage = o.putArray("lineage");
    for (int i = 0; i < t.lineage().size(); i++) {
      TaskHop h = t.lineage().get(i);
      ObjectNode hop = lineage.addObject().put("depth", i).put("task", h.task()).put("epoch", h.epoch())
          .put("agent", h.agent()).put("by", h.by()).put("holder", h.holder());
      if (h.bindBy() == null) {
        hop.putNull("bindBy");
      } else {
        hop.put("bindBy", h.bindBy());
      }
    }
    TaskHop acting = t.actingTask();
    o.put("actingTask", acting == null ? null : acting.task());
    o.put("holder", acting == null ? null : acting.holder());
    Envelope e = t.envelope();
    ObjectNode env = o.putObject("envelope");
    for (Dimension d : Dimension.values()) {
      env.put(d.key(), e.get(d).render());
    }
    ArrayNode tools = env.putArray("tools");
    if (e.tools().isAll()) {
      tools.add("*");
    } else {
      e.tools().renderLists().forEach(tools::add);
    }
    env.put("delegate", e.delegate());
    env.put("maxDepth", e.maxDepth());
    env.put("expiresAt", e.expiresAt());
    o.put("expired", e.expiresAt() <= now);
    ArrayNode caveats = o.putArray("caveats");
    t.caveats().forEach(caveats::add);
    ArrayNode problems = o.putArray("problems");
    t.problems().forEach(problems::add);
    return o.toPrettyString();
  }

  private static String orDash(String s) {
    return s == null ? "-" : s;
  }

  static String human(long seconds) {
    if (seconds < 60) {
      return seconds + "s";
    }
    if (seconds < 3600) {
      return (seconds / 60) + "m" + (seconds % 60 == 0 ? "" : " " + (seconds % 60) + "s");
    }
    if (seconds < 86_400) {
      return (seconds / 3600) + "h" + (seconds % 3600 / 60 == 0 ? "" : " " + (seconds % 3600 / 60) + "m");
    }
    return (seconds / 86_400) + "d" + (seconds % 86_400 / 3600 == 0 ? "" : " " + (seconds % 86_400 / 3600) + "h");
  }
}
