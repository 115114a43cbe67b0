package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.GuideBlocks.Block;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The guide's blocks as {@link OperationsGuideIT} reads and runs them: marks, indentation, and a failing step. */
class GuideBlocksTest {
  @TempDir Path dir;

  private static final String DOC = """
      # A guide

      ```sh
      X=1
      ```

      <!-- guide-test: skip (needs systemd as PID 1) -->
      ```sh
      systemctl enable --now ephyr-node
      ```

      - In a list:

        <!-- guide-test: file lab/conf.yaml -->
        ```yaml
        a: 1
        ```

      ```
      output, not a command
      ```

      ```sh
      echo "$X $(cat lab/conf.yaml)"
      ```
      """;

  @Test
  void blocks_withTheirMarks_inOrder_listIndentationStripped() {
    List<Block> blocks = GuideBlocks.parse(DOC);
    assertEquals(5, blocks.size(), blocks.toString());
    assertInstanceOf(GuideBlocks.Run.class, blocks.get(0).mark());
    assertEquals(new GuideBlocks.Skip("needs systemd as PID 1"), blocks.get(1).mark());
    assertEquals(new GuideBlocks.File("lab/conf.yaml"), blocks.get(2).mark());
    assertEquals("a: 1\n", blocks.get(2).text());
    assertEquals("yaml", blocks.get(2).lang());
    assertEquals("", blocks.get(3).lang());
    assertEquals(3, blocks.get(0).line());
  }

  @Test
  void aMarkWithoutReason_unknown_misplaced_orAnUnclosedFence_isRefused() {
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> GuideBlocks.parse("<!-- guide-test: skip () -->\n```sh\nx\n```\n")).getMessage().contains("reason"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> GuideBlocks.parse("<!-- guide-test: skip -->\n```sh\nx\n```\n")).getMessage().contains("unknown"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> GuideBlocks.parse("<!-- guide-test: skip (r) -->\ntext\n```sh\nx\n```\n")).getMessage()
        .contains("not right before a fence"));
    assertTrue(assertThrows(IllegalArgumentException.class,
        () -> GuideBlocks.parse("```sh\nx\n")).getMessage().contains("never closed"));
    assertThrows(IllegalArgumentException.class,
        () -> GuideScript.of(GuideBlocks.parse("<!-- guide-test: file ../x -->\n```yaml\na: 1\n```\n")));
  }

  private int runScript(String doc) throws Exception {
    GuideScript.Script script = GuideScript.of(GuideBlocks.parse(doc));
    Path file = dir.resolve("guide.sh");
    Files.writeString(file, script.text());
    Path out = Files.createDirectories(dir.resolve("out"));
    Path run = Files.createDirectories(dir.resolve("run"));
    ProcessBuilder pb = new ProcessBuilder("bash", file.toString()).directory(run.toFile());
    pb.environment().put("GUIDE_OUT", out.toString());
    Process p = pb.redirectErrorStream(true).redirectOutput(dir.resolve("bash.txt").toFile()).start();
    assertTrue(p.waitFor(30, TimeUnit.SECONDS), "bash finished");
    return p.exitValue();
  }

  @Test
  void theScript_runsTheShellBlocksInOneShell_writesMarkedFiles_andSkipsTheRest() throws Exception {
    assertEquals(0, runScript(DOC), Files.readString(dir.resolve("bash.txt")));
    assertEquals("done", Files.readString(dir.resolve("out/current")).strip());
    assertEquals("1 a: 1\n", Files.readString(dir.resolve("out/step-3.txt")));
  }

  @Test
  void aFailingCommand_stopsTheRun_atItsStep() throws Exception {
    // What the IT reports when a guide command is wrong: the step, and nothing after it runs.
    String doc = "```sh\necho one\n```\n```sh\nls --no-such-flag | cat\necho not reached\n```\n```sh\ntouch after\n```\n";
    assertTrue(runScript(doc) != 0);
    assertEquals("2", Files.readString(dir.resolve("out/current")).strip());
    assertTrue(Files.readString(dir.resolve("out/step-2.txt")).contains("no-such-flag"));
    assertTrue(!Files.exists(dir.resolve("run/after")));
    String undefined = "```sh\necho \"$NOT_SET_ANYWHERE\"\n```\n";
    assertTrue(runScript(undefined) != 0, "an unset variable stops the run (set -u)");
  }
}
