package dev.ephyr.broker.admin;

import io.vertx.core.json.JsonObject;
import java.util.List;

/**
 * What an admin operation produced: the bus reply and the facts audit records about it.
 * The reply is {@code {"ok": true, "result": {...}}} or {@code {"ok": false, "status": 4xx/5xx, "error":
 * code, "message": text}} — the HTTP front maps {@code status} one to one.
 */
sealed interface AdminOutcome {

  /** What audit records besides the operation and the operator. */
  record Facts(String resource, String root, List<String> lineage, String detail) {
    static final Facts NONE = new Facts(null, null, List.of(), null);

    static Facts resource(String resource) {
      return new Facts(resource, null, List.of(), null);
    }
  }

  /** Done. */
  record Done(JsonObject result, Facts facts) implements AdminOutcome {}

  /** Refused or failed; {@code status} follows HTTP. */
  record Refused(int status, String code, String message, Facts facts) implements AdminOutcome {}

  /** The bus reply. */
  default JsonObject reply() {
    if (this instanceof Done d) {
      return new JsonObject().put("ok", true).put("result", d.result());
    }
    Refused r = (Refused) this;
    return new JsonObject().put("ok", false).put("status", r.status()).put("error", r.code())
        .put("message", r.message());
  }

  /** The audit facts. */
  default Facts facts() {
    return this instanceof Done d ? d.facts() : ((Refused) this).facts();
  }
}
