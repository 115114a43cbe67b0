package dev.ephyr.protocol.verify;

import dev.ephyr.protocol.caveat.Caveat;
import dev.ephyr.protocol.caveat.CaveatFormatException;
import dev.ephyr.protocol.caveat.CaveatParser;
import dev.ephyr.protocol.caveat.EnvelopeReducer;
import dev.ephyr.protocol.macaroon.Macaroon;
import dev.ephyr.protocol.macaroon.MacaroonFormatException;
import java.util.ArrayList;
import java.util.List;

/** Decodes a token for people and tools without a keyring; never a substitute for {@link TokenVerifier}. */
public final class TokenInspector {
  private TokenInspector() {}

  /** Reads {@code tokenText}; throws only when the text is not a macaroon at all. */
  public static TokenInspection inspect(String tokenText) throws MacaroonFormatException {
    Macaroon m = Macaroon.parseText(tokenText);
    byte[] idBytes = m.identifier();
    TokenIdentifier id = TokenIdentifier.parse(idBytes, 0, idBytes.length);
    List<String> problems = new ArrayList<>();
    if (id == null) {
      problems.add("identifier '" + m.identifierText() + "' is not e1/<kid>/<ulid>");
    }
    EnvelopeReducer reducer = new EnvelopeReducer();
    List<TaskHop> lineage = new ArrayList<>();
    List<String> texts = new ArrayList<>();
    for (int i = 0; i < m.caveatCount(); i++) {
      byte[] c = m.caveat(i);
      texts.add(m.caveatText(i));
      Caveat caveat;
      try {
        caveat = CaveatParser.parse(c, 0, c.length);
      } catch (CaveatFormatException e) {
        problems.add("caveat " + i + ": " + e.getMessage());
        continue;
      }
      if (caveat instanceof Caveat.Restriction r) {
        if (!reducer.apply(r)) {
          problems.add("caveat " + i + ": too many tool patterns in the chain");
        }
      } else if (caveat instanceof Caveat.TaskFact t) {
        lineage.add(new TaskHop(t.task(), t.epoch(), t.agent(), t.by(), t.holder(), t.bindBy()));
      } else if (caveat instanceof Caveat.BindFact b) {
        int last = lineage.size() - 1;
        if (last >= 0 && lineage.get(last).task().equals(b.task()) && !lineage.get(last).bound()) {
          lineage.set(last, lineage.get(last).withHolder(b.holder()));
        } else {
          problems.add("caveat " + i + ": bind fact does not apply to the acting task");
        }
      }
    }
    if (lineage.isEmpty()) {
      problems.add("no task fact");
    } else if (id != null && !lineage.get(0).task().equals(id.rootTask())) {
      problems.add("first task fact does not name the root task");
    }
    if (!reducer.hasExpiry()) {
      problems.add("no expiry");
    }
    return new TokenInspection(id == null ? null : id.kid(), id == null ? null : id.rootTask(), lineage,
        reducer.result(), texts, problems);
  }
}
