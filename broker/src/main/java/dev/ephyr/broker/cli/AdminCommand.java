package dev.ephyr.broker.cli;

import io.vertx.core.json.JsonObject;
import java.util.ArrayList;
import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** Shared shape of the {@code ephyr admin ...} client commands: connection options, {@code --json}, output. */
abstract class AdminCommand implements Command {

  /** Options of this command besides the connection options every admin command takes. */
  List<OptionSpec> ownOptions() {
    return List.of();
  }

  @Override
  public final List<OptionSpec> options() {
    List<OptionSpec> all = new ArrayList<>(ownOptions());
    all.addAll(connectionOptions());
    return all;
  }

  /** The options that say which node to ask and with which credential (also used by {@code state backup}). */
  static List<OptionSpec> connectionOptions() {
    List<OptionSpec> all = new ArrayList<>();
    all.add(Options.value("--url", "URL",
        "a node's HTTP base URL (default $EPHYR_ADMIN_URL, else " + AdminClient.DEFAULT_URL + ")"));
    all.add(Options.value("--key-file", "FILE", "file holding the admin credential (default $EPHYR_ADMIN_KEY_FILE);"
        + " else the credential is read from $EPHYR_ADMIN_KEY. Never on the command line."));
    all.add(Options.value("--timeout", "SECS", "give up after SECS seconds (default 30)"));
    all.add(Options.flag("--json", "print the API's JSON answer instead of a table"));
    return all;
  }

  /** Runs with parsed arguments and a connected client; returns the API's answer (printed by {@link #render}). */
  abstract JsonObject call(Args args, AdminClient client, Io io) throws CliException;

  /** Human output of {@code result}. */
  abstract void render(JsonObject result, Args args, Io io);

  @Override
  public final int run(Args args, Io io) throws CliException {
    AdminClient client = AdminClient.from(name(), args, io);
    JsonObject answer = call(args, client, io);
    if (args.flag("--json")) {
      io.out().println(answer.encodePrettily());
    } else {
      render(answer, args, io);
    }
    return exitCode(answer);
  }

  /** The exit code for a successful call's answer (0 unless the command grades what it was told). */
  int exitCode(JsonObject answer) {
    return 0;
  }
}
