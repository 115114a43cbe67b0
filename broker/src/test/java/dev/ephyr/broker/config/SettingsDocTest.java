package dev.ephyr.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * The settings reference in {@code docs/operations.md} is the table of {@link Settings}, row for row: a setting
 * missing from the doc, documented with another default, range or meaning, or documented but unknown fails.
 * On failure the expected rows are written to {@code target/settings-reference.md} to paste in.
 */
class SettingsDocTest {
  static final String HEADING = "## 8. Settings reference";
  private static final Pattern ROW = Pattern.compile("^\\| `([^`]+)` \\| (.*) \\|$", Pattern.MULTILINE);

  private static Path doc() {
    Path p = Path.of("../docs/operations.md");
    return Files.exists(p) ? p : Path.of("docs/operations.md");
  }

  /** The section's rows by key, each the rest of its row; empty when there is no such section. */
  private static Map<String, String> documented(String doc) {
    Map<String, String> rows = new LinkedHashMap<>();
    int start = doc.indexOf(HEADING);
    if (start < 0) {
      return rows;
    }
    int end = doc.indexOf("\n## ", start + HEADING.length());
    Matcher m = ROW.matcher(doc.substring(start, end < 0 ? doc.length() : end));
    while (m.find()) {
      rows.put(m.group(1), m.group(2));
    }
    return rows;
  }

  private static String row(Setting s) {
    return s.shownDefault() + " | " + s.type().shown() + " | " + s.change().shown() + " | " + s.doc();
  }

  /** What is wrong with the documented rows, one line per row. */
  private static List<String> differences(Map<String, String> doc) {
    List<String> wrong = new ArrayList<>();
    for (Setting s : Settings.ALL) {
      String shown = doc.get(s.name());
      if (shown == null) {
        wrong.add(s.name() + " is missing from the doc");
      } else if (!shown.startsWith(s.shownDefault() + " | ")) {
        wrong.add(s.name() + " is documented with default '" + shown.split(" \\| ")[0] + "', the table says '"
            + s.shownDefault() + "'");
      } else if (!shown.equals(row(s))) {
        wrong.add(s.name() + " is documented as '" + shown + "', the table says '" + row(s) + "'");
      }
    }
    doc.keySet().stream().filter(k -> Settings.named(k) == null)
        .forEach(k -> wrong.add(k + " is documented but not in the table"));
    if (wrong.isEmpty() && !new ArrayList<>(doc.keySet()).equals(Settings.ALL.stream().map(Setting::name).toList())) {
      wrong.add("the rows are not in the table's order");
    }
    return wrong;
  }

  @Test
  void theReference_isTheTable() throws Exception {
    List<String> wrong = differences(documented(Files.readString(doc(), StandardCharsets.UTF_8)));
    if (!wrong.isEmpty()) {
      String rows = Settings.ALL.stream().map(s -> "| `" + s.name() + "` | " + row(s) + " |")
          .collect(Collectors.joining("\n", "| setting | default | accepts | change | meaning |\n| --- | --- | --- | --- | --- |\n",
              "\n"));
      Files.createDirectories(Path.of("target"));
      Files.writeString(Path.of("target/settings-reference.md"), rows, StandardCharsets.UTF_8);
    }
    assertEquals(List.of(), wrong, "docs/operations.md " + HEADING + " (expected rows: target/settings-reference.md)");
  }

  @Test
  void theCheck_seesAMissingAWrongDefaultAndAnUnknownRow() {
    StringBuilder doc = new StringBuilder(HEADING + "\n\n");
    for (Setting s : Settings.ALL) {
      if (s == Settings.HTTP_HOST) {
        continue; // missing
      }
      String r = s == Settings.HTTP_PORT ? "`8080` | " + s.type().shown() + " | restart | " + s.doc() : row(s);
      doc.append("| `").append(s.name()).append("` | ").append(r).append(" |\n");
    }
    doc.append("| `http.prot` | `1` | text | restart | a typo |\n\n## 9. Next\n\n| `after.section` | x | y | z |\n");
    assertEquals(List.of("http.host is missing from the doc",
        "http.port is documented with default '`8080`', the table says '`8554`'",
        "http.prot is documented but not in the table"), differences(documented(doc.toString())));
    assertTrue(differences(documented(doc.toString().replace("`8080`", "`8554`")
        .replace("| `http.prot` | `1` | text | restart | a typo |\n", "") + "")).equals(List.of(
        "http.host is missing from the doc")));
  }
}
