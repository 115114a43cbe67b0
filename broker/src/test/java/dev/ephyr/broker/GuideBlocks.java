package dev.ephyr.broker;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fenced code blocks of a Markdown guide, in order, each with the {@code <!-- guide-test: ... -->} comment
 * that may stand right before it: {@code skip (REASON)} (the block cannot run here, and why) or {@code file PATH}
 * (a block the reader is told to save as PATH).
 */
final class GuideBlocks {
  private static final Pattern FENCE = Pattern.compile("^( *)```\\s*([A-Za-z0-9_-]*)\\s*$");
  private static final Pattern MARK = Pattern.compile("^\\s*<!--\\s*guide-test:(.*?)-->\\s*$");
  private static final Pattern SKIP = Pattern.compile("skip\\s*\\((.*)\\)");
  private static final Pattern FILE = Pattern.compile("file\\s+(\\S+)");

  private GuideBlocks() {}

  /** One fenced block: where it opens (1-based line), its language tag, its text, and its mark. */
  record Block(int line, String lang, String text, Mark mark) {
    boolean isSh() {
      return lang.equals("sh");
    }
  }

  /** What the comment before a block asks of the test. */
  sealed interface Mark permits Run, Skip, File {}

  /** No comment: a shell block runs, another block is only text. */
  record Run() implements Mark {}

  /** The block does not run here, for {@code reason}. */
  record Skip(String reason) implements Mark {}

  /** The block's text is saved as {@code path} (relative to the folder the commands run in). */
  record File(String path) implements Mark {}

  /** The blocks of {@code markdown}; a malformed or misplaced {@code guide-test} comment is an error. */
  static List<Block> parse(String markdown) {
    List<Block> out = new ArrayList<>();
    String[] lines = markdown.split("\n", -1);
    Mark pending = null;
    int pendingLine = 0;
    for (int i = 0; i < lines.length; i++) {
      String line = lines[i];
      Matcher mark = MARK.matcher(line);
      if (mark.matches()) {
        if (pending != null) {
          throw new IllegalArgumentException("line " + pendingLine + ": guide-test comment not right before a fence");
        }
        pending = mark(mark.group(1).trim(), i + 1);
        pendingLine = i + 1;
        continue;
      }
      Matcher open = FENCE.matcher(line);
      if (!open.matches()) {
        if (pending != null && !line.isBlank()) {
          throw new IllegalArgumentException("line " + pendingLine + ": guide-test comment not right before a fence");
        }
        continue;
      }
      int indent = open.group(1).length();
      StringBuilder text = new StringBuilder();
      int j = i + 1;
      for (; j < lines.length && !lines[j].matches("^ {0," + indent + "}```\\s*$"); j++) {
        String body = lines[j];
        int cut = 0;
        while (cut < indent && cut < body.length() && body.charAt(cut) == ' ') {
          cut++;
        }
        text.append(body.substring(cut)).append('\n');
      }
      if (j == lines.length) {
        throw new IllegalArgumentException("line " + (i + 1) + ": the fence is never closed");
      }
      out.add(new Block(i + 1, open.group(2), text.toString(), pending == null ? new Run() : pending));
      pending = null;
      i = j;
    }
    if (pending != null) {
      throw new IllegalArgumentException("line " + pendingLine + ": guide-test comment not right before a fence");
    }
    return out;
  }

  private static Mark mark(String body, int line) {
    Matcher skip = SKIP.matcher(body);
    if (skip.matches()) {
      if (skip.group(1).isBlank()) {
        throw new IllegalArgumentException("line " + line + ": guide-test: skip needs a reason in parentheses");
      }
      return new Skip(skip.group(1).trim());
    }
    Matcher file = FILE.matcher(body);
    if (file.matches()) {
      return new File(file.group(1));
    }
    throw new IllegalArgumentException("line " + line + ": unknown guide-test comment '" + body
        + "' (skip (REASON) or file PATH)");
  }
}
