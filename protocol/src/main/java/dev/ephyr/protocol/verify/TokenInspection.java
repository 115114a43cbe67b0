package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.Envelope;
import java.util.List;

/**
 * What a token says about itself, read without any key: identifier, lineage, holder, envelope and the
 * caveats in order. Nothing here is verified — {@link #problems()} lists what a verifier would refuse
 * on structure alone, but a clean inspection proves nothing about the signature.
 *
 * @param kid the key id named by the identifier, or {@code null} if the identifier is foreign
 * @param rootTask the root task, or {@code null}
 * @param lineage the hops stated by task and bind facts (tags not checked)
 * @param envelope the reduction of the restrictions (unmentioned dimensions grant nothing)
 * @param caveats every caveat's text, in order
 * @param problems structural problems found (unknown caveats, a missing root fact, no expiry, …)
 */
public record TokenInspection(String kid, String rootTask, List<TaskHop> lineage, Envelope envelope,
    List<String> caveats, List<String> problems) {

  /** Copies the lists. */
  public TokenInspection {
    lineage = List.copyOf(lineage);
    caveats = List.copyOf(caveats);
    problems = List.copyOf(problems);
  }

  /** The acting task (last hop), or {@code null} when there is none. */
  public TaskHop actingTask() {
    return lineage.isEmpty() ? null : lineage.get(lineage.size() - 1);
  }
}
