package dev.ephyr.broker.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * The values {@code ephyr init} lays a cluster out from, read from its flags or, with {@code --interactive}, asked
 * one per line; every malformed value is a usage error naming it.
 *
 * @param nodes how many nodes
 * @param hosts one host per node, or one for all
 * @param dir where to write
 * @param httpPort the first HTTP port
 * @param clusterPort the first cluster port
 * @param clusterName the cluster's name
 * @param admin the admin's name in the policy
 * @param agent the first agent's name in the policy
 * @param principals the accounts the signers may certify
 * @param ssh whether the nodes get SSH signers
 */
record InitAnswers(int nodes, List<String> hosts, Path dir, int httpPort, int clusterPort, String clusterName,
    String admin, String agent, List<String> principals, boolean ssh) {
  private static final String COMMAND = "init";
  private static final int MAX_ANSWER = 1024;
  private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,63}");
  private static final Pattern PRINCIPAL = Pattern.compile("[A-Za-z0-9_][A-Za-z0-9._-]{0,31}");

  static InitAnswers fromFlags(Args args, Io io) throws CliException {
    return new InitAnswers(number(args.option("--nodes", "3"), "--nodes"), list(args.option("--hosts", "127.0.0.1")),
        io.path(args.option("--dir", InitCommand.DEFAULT_DIR)), number(args.option("--http-port", "" + InitCommand.DEFAULT_HTTP_PORT),
            "--http-port"), number(args.option("--cluster-port", "" + InitCommand.DEFAULT_CLUSTER_PORT), "--cluster-port"),
        args.option("--cluster-name", "ephyr"), checkName(args.option("--admin", "admin"), "--admin"),
        checkName(args.option("--agent", "agent"), "--agent"), principals(args.option("--principals", "ops-ro")),
        !args.flag("--no-ssh"));
  }

  /** The same values, asked one per line; a flag given as well becomes the question's default. */
  static InitAnswers ask(Args args, Io io) throws CliException {
    BufferedReader in = new BufferedReader(new InputStreamReader(io.in(), StandardCharsets.UTF_8));
    int nodes = number(prompt(in, io, "Number of nodes", args.option("--nodes", "3")), "nodes");
    String hostsDefault = args.option("--hosts", nodes == 1 ? "127.0.0.1" : "127.0.0.1 (all nodes)");
    String hosts = prompt(in, io, "Hosts, one per node, comma-separated", hostsDefault);
    if (hosts.endsWith(" (all nodes)")) {
      hosts = hosts.substring(0, hosts.length() - " (all nodes)".length());
    }
    int http = number(prompt(in, io, "First HTTP port", args.option("--http-port", "" + InitCommand.DEFAULT_HTTP_PORT)),
        "HTTP port");
    int cluster = number(prompt(in, io, "First cluster port",
        args.option("--cluster-port", "" + InitCommand.DEFAULT_CLUSTER_PORT)), "cluster port");
    String clusterName = prompt(in, io, "Cluster name", args.option("--cluster-name", "ephyr"));
    Path dir = io.path(prompt(in, io, "Directory to write", args.option("--dir", InitCommand.DEFAULT_DIR)));
    String admin = checkName(prompt(in, io, "Admin name", args.option("--admin", "admin")), "admin name");
    String agent = checkName(prompt(in, io, "First agent's name", args.option("--agent", "agent")), "agent name");
    String ssh = prompt(in, io, "SSH signers (yes/no)", args.flag("--no-ssh") ? "no" : "yes");
    if (!ssh.equals("yes") && !ssh.equals("no")) {
      throw CliException.usage(COMMAND, "answer yes or no for SSH signers, got '" + ssh + "'");
    }
    List<String> principals = List.of("ops-ro");
    if (ssh.equals("yes")) {
      principals = principals(prompt(in, io, "SSH accounts the signers may certify",
          args.option("--principals", "ops-ro")));
    }
    io.out().println();
    return new InitAnswers(nodes, list(hosts), dir, http, cluster, clusterName, admin, agent, principals, ssh.equals("yes"));
  }

  private static String prompt(BufferedReader in, Io io, String question, String dflt) throws CliException {
    io.out().print(question + " [" + dflt + "]: ");
    io.out().flush();
    StringBuilder line = new StringBuilder();
    try {
      int c;
      while ((c = in.read()) != -1 && c != '\n') {
        if (line.length() >= MAX_ANSWER) {
          throw CliException.usage(COMMAND, "an answer is longer than " + MAX_ANSWER + " characters");
        }
        line.append((char) c);
      }
      if (c == -1 && line.length() == 0) {
        io.out().println();
        throw CliException.usage(COMMAND, "input ended before every question was answered (" + question + ")");
      }
    } catch (IOException e) {
      throw CliException.failed("cannot read the answers: " + SecureFiles.describe(e));
    }
    String answer = line.toString().strip();
    return answer.isEmpty() ? dflt : answer;
  }

  private static int number(String text, String what) throws CliException {
    try {
      return Integer.parseInt(text.strip());
    } catch (NumberFormatException e) {
      throw CliException.usage(COMMAND, what + " must be a whole number, got '" + text + "'");
    }
  }

  private static String checkName(String text, String what) throws CliException {
    if (!NAME.matcher(text).matches()) {
      throw CliException.usage(COMMAND, what + " must be a letter or digit, then up to 63 of A-Z a-z 0-9 . _ -");
    }
    return text;
  }

  private static List<String> principals(String csv) throws CliException {
    List<String> out = list(csv);
    if (out.isEmpty()) {
      throw CliException.usage(COMMAND, "--principals must name at least one account");
    }
    for (String p : out) {
      if (!PRINCIPAL.matcher(p).matches()) {
        throw CliException.usage(COMMAND, "--principals: '" + p + "' is not an account name");
      }
    }
    return out;
  }

  private static List<String> list(String csv) {
    List<String> out = new ArrayList<>();
    for (String s : csv.split(",")) {
      if (!s.isBlank()) {
        out.add(s.strip());
      }
    }
    return out;
  }
}
