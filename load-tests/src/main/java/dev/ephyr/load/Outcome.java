package dev.ephyr.load;

/**
 * How the broker answered one request, as the driver classifies it.
 *
 * @param accepted the call did what it asked (HTTP 2xx and, for tools, {@code isError: false})
 * @param code {@code ok}, the broker's reason code, {@code http_<status>}, or a transport failure
 *     ({@code connect_failed}, {@code timeout}, {@code closed})
 */
record Outcome(boolean accepted, String code) {
  static final Outcome OK = new Outcome(true, "ok");

  static Outcome refused(String code) {
    return new Outcome(false, code);
  }

  /** A failure of the connection rather than an answer of the broker. */
  boolean transport() {
    return code.equals("connect_failed") || code.equals("timeout") || code.equals("closed");
  }
}
