package dev.ephyr.broker.cli;

import java.util.List;
import picocli.CommandLine.Model.OptionSpec;

/** Builds the option declarations of commands: every value is a string the command checks itself. */
final class Options {
  private Options() {}

  /** An option that takes no value. */
  static OptionSpec flag(String name, String description) {
    return OptionSpec.builder(name).arity("0").type(boolean.class).description(lines(description)).build();
  }

  /** An option that takes one value, given at most once. */
  static OptionSpec value(String name, String label, String description) {
    return OptionSpec.builder(name).arity("1").type(String.class).paramLabel(label).description(lines(description))
        .build();
  }

  /** An option that takes one value and may be repeated; its values are kept in order. */
  static OptionSpec repeatable(String name, String label, String description) {
    return OptionSpec.builder(name).arity("1").type(List.class).auxiliaryTypes(String.class).paramLabel(label)
        .description(lines(description)).build();
  }

  /** Help lines as picocli prints them: one array element per line, {@code %} taken literally. */
  static String[] lines(String text) {
    return text.strip().replace("%", "%%").split("\n");
  }
}
