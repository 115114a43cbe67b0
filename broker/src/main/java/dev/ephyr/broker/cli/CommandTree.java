package dev.ephyr.broker.cli;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Model.PositionalParamSpec;
import picocli.CommandLine.Model.UsageMessageSpec;
import picocli.CommandLine;

/**
 * The picocli model of the {@code ephyr} command line, built from the commands without reflection: a root,
 * one group per first word ({@code keys}, {@code admin}, ...) and a leaf per command whose options and help
 * come from the command's own declarations.
 */
final class CommandTree {
  private CommandTree() {}

  /** The root of the tree; every leaf's user object is its {@link Command}. */
  static CommandLine build(List<Command> commands) {
    CommandSpec rootSpec = CommandSpec.create().name("ephyr");
    rootSpec.addOption(OptionSpec.builder("-h", "--help").usageHelp(true).description("show the commands").build());
    rootSpec.addOption(OptionSpec.builder("--version").versionHelp(true).description("print the version").build());
    CommandLine root = new CommandLine(rootSpec);
    for (Command c : commands) {
      String[] words = c.name().split(" ");
      CommandLine parent = root;
      for (int i = 0; i < words.length - 1; i++) {
        CommandLine group = parent.getSubcommands().get(words[i]);
        if (group == null) {
          CommandSpec groupSpec = CommandSpec.create().name(words[i]);
          groupSpec.addOption(helpOption());
          group = new CommandLine(groupSpec);
          parent.addSubcommand(words[i], group);
        }
        parent = group;
      }
      parent.addSubcommand(words[words.length - 1], new CommandLine(leaf(c, words[words.length - 1])));
    }
    return configure(root); // once every command is added, so the settings reach every subcommand
  }

  /** One command on its own, without the tree above it: what a command line is parsed against. */
  static CommandLine standalone(Command c) {
    String[] words = c.name().split(" ");
    return configure(new CommandLine(leaf(c, words[words.length - 1])));
  }

  private static CommandLine configure(CommandLine top) {
    top.setExpandAtFiles(false); // an @file argument is a file name here, never a list of arguments
    top.setAllowOptionsAsOptionParameters(true); // "--kid --force" gives --kid the value "--force"
    top.setUnmatchedOptionsAllowedAsOptionParameters(true);
    top.setOverwrittenOptionsAllowed(false);
    top.setAbbreviatedOptionsAllowed(false);
    return top;
  }

  /** The names of the options a command accepts, for did-you-mean hints. */
  static List<String> optionNames(CommandLine command) {
    List<String> out = new ArrayList<>();
    for (OptionSpec o : command.getCommandSpec().options()) {
      out.addAll(Arrays.asList(o.names()));
    }
    return out;
  }

  private static CommandSpec leaf(Command c, String word) {
    CommandSpec spec = CommandSpec.wrapWithoutInspection(c).name(word);
    spec.interpolateVariables(false); // help texts mention $EPHYR_... literally
    for (OptionSpec o : c.options()) {
      spec.addOption(o);
    }
    spec.addOption(helpOption());
    // Positionals are collected as they come; each command checks how many it takes and says what is missing.
    spec.addPositional(PositionalParamSpec.builder().arity("0..*").type(List.class).auxiliaryTypes(String.class)
        .paramLabel("ARG").hidden(true).build());
    String help = c.help().strip();
    int blank = help.indexOf("\n\n");
    UsageMessageSpec usage = spec.usageMessage();
    usage.width(120).autoWidth(false).sortOptions(false).longOptionsMaxWidth(32).synopsisHeading("")
        .customSynopsis(Options.lines(blank < 0 ? help : help.substring(0, blank)))
        .descriptionHeading("%n").description(blank < 0 ? new String[0] : Options.lines(help.substring(blank + 2)))
        .optionListHeading("%nOptions:%n");
    if (!c.footer().isBlank()) {
      usage.footerHeading("%n").footer(Options.lines(c.footer()));
    }
    return spec;
  }

  private static OptionSpec helpOption() {
    return OptionSpec.builder("-h", "--help").usageHelp(true).description("show this help").build();
  }
}
