package dev.ephyr.broker;

import dev.ephyr.broker.GuideBlocks.Block;
import dev.ephyr.broker.GuideBlocks.File;
import dev.ephyr.broker.GuideBlocks.Run;
import java.util.ArrayList;
import java.util.List;

/**
 * One bash script that does what a reader of a guide does in one shell: every unmarked {@code sh} block as
 * written, in order, and every block marked {@code file PATH} saved there. Before each step it records the step's
 * number in {@code $GUIDE_OUT/current} and sends the step's output to {@code $GUIDE_OUT/step-N.txt}; bash's trace
 * goes to {@code $GUIDE_OUT/trace.txt}, its process group id to {@code $GUIDE_OUT/pgid}.
 */
final class GuideScript {
  private GuideScript() {}

  /** The script, and the blocks it runs or writes, in order (step N is {@code steps.get(N - 1)}). */
  record Script(String text, List<Block> steps) {}

  static Script of(List<Block> blocks) {
    StringBuilder s = new StringBuilder("""
        set -euo pipefail
        echo $$ > "$GUIDE_OUT/pgid.new" && mv "$GUIDE_OUT/pgid.new" "$GUIDE_OUT/pgid"
        exec {GUIDE_TRACE_FD}>"$GUIDE_OUT/trace.txt"
        BASH_XTRACEFD=$GUIDE_TRACE_FD
        PS4='+ ${EPOCHREALTIME} '
        set -x
        """);
    List<Block> steps = new ArrayList<>();
    for (Block b : blocks) {
      boolean runs = b.isSh() && b.mark() instanceof Run;
      if (!runs && !(b.mark() instanceof File)) {
        continue;
      }
      steps.add(b);
      int n = steps.size();
      s.append("\n# step ").append(n).append(": the block at line ").append(b.line()).append('\n');
      s.append("echo ").append(n).append(" > \"$GUIDE_OUT/current\"\n");
      s.append("exec > \"$GUIDE_OUT/step-").append(n).append(".txt\" 2>&1\n");
      if (runs) {
        s.append(b.text());
      } else {
        String path = ((File) b.mark()).path();
        if (!path.matches("[A-Za-z0-9._/-]+") || path.startsWith("/") || path.contains("..")) {
          throw new IllegalArgumentException("line " + b.line() + ": file " + path + " is not a plain relative path");
        }
        String end = "GUIDE_FILE_" + n;
        if (b.text().contains(end)) {
          throw new IllegalArgumentException("line " + b.line() + ": the block holds " + end);
        }
        s.append("mkdir -p \"$(dirname '").append(path).append("')\"\n");
        s.append("cat > '").append(path).append("' <<'").append(end).append("'\n").append(b.text()).append(end).append('\n');
      }
    }
    s.append("\necho done > \"$GUIDE_OUT/current\"\n");
    return new Script(s.toString(), steps);
  }
}
