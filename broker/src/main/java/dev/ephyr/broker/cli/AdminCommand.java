package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonObject;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/** Shared shape of the {@code ephyr admin ...} client commands: connection options, {@code --json}, output. */
abstract class AdminCommand implements Command {
  static final String CONNECTION_HELP = """

      Connection (every admin command):
        --url URL        a node's HTTP base URL (default $EPHYR_ADMIN_URL, else http://127.0.0.1:8554)
        --key-file FILE  file holding the admin credential (default $EPHYR_ADMIN_KEY_FILE);
                         else the credential is read from $EPHYR_ADMIN_KEY. Never on the command line.
        --timeout SECS   give up after SECS seconds (default 30)
        --json           print the API's JSON answer instead of a table
      """;

  /** Flags and options of this command besides the common ones. */
  Set<String> flags() {
    return Set.of();
  }

  Set<String> options() {
    return Set.of();
  }

  /** Runs with parsed arguments and a connected client; returns the API's answer (printed by {@link #render}). */
  abstract JsonObject call(Args args, AdminClient client, Io io) throws CliException;

  /** Human output of {@code result}. */
  abstract void render(JsonObject result, Args args, Io io);

  @Override
  public final int run(List<String> argv, Io io) throws CliException {
    Set<String> f = new HashSet<>(flags());
    f.add("--json");
    Set<String> o = new HashSet<>(options());
    o.addAll(Set.of("--url", "--key-file", "--timeout"));
    Args args = Args.parse(name(), argv, f, o);
    AdminClient client = AdminClient.from(name(), args, io);
    JsonObject answer = call(args, client, io);
    if (args.flag("--json")) {
      io.out().println(answer.encodePrettily());
    } else {
      render(answer, args, io);
    }
    return 0;
  }
}
