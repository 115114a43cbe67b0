package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The systemd units in {@code deploy/systemd} pass {@code systemd-analyze verify} (Debian's {@code systemd}
 * package; a missing tool fails under {@code CI=true}, skips elsewhere), carry the hardening the operations guide
 * promises, and every hardening option they use is listed in {@code docs/operations.md}.
 */
class SystemdUnitsTest {
  private static final List<String> UNITS = List.of("ephyr-node.service", "ephyr-signer.service");
  /** What both units must set, as {@code Key=value} lines. */
  private static final List<String> REQUIRED = List.of("NoNewPrivileges=yes", "ProtectSystem=strict",
      "ProtectHome=yes", "PrivateTmp=yes", "CapabilityBoundingSet=", "SystemCallFilter=@system-service",
      "UMask=0077");

  @TempDir Path tmp;
  private Path root;

  @BeforeEach
  void findRepository() {
    root = Path.of("").toAbsolutePath();
    if (!Files.isDirectory(root.resolve("deploy/systemd"))) {
      root = root.getParent(); // surefire runs in broker/
    }
  }

  private static String tool() {
    for (String dir : List.of("/usr/bin", "/bin", "/usr/local/bin")) {
      if (Files.isExecutable(Path.of(dir, "systemd-analyze"))) {
        return dir + "/systemd-analyze";
      }
    }
    if ("true".equals(System.getenv("CI"))) {
      throw new AssertionError("systemd-analyze is missing; .ci/run installs Debian's systemd package");
    }
    Assumptions.abort("systemd-analyze is not installed (apt-get install systemd); skipping the unit check");
    return null;
  }

  /** The unit as it would be installed, with ExecStart= pointing at a launcher that exists here. */
  private Path installable(String unit, String text) throws Exception {
    Path copy = tmp.resolve(unit);
    Files.writeString(copy, text.replace("/opt/ephyr/bin/ephyr", root.resolve("ephyr").toString()));
    return copy;
  }

  /** systemd-analyze's complaints about the given units (it exits 0 for an unknown key, so the text counts). */
  private static List<String> verify(String tool, List<Path> units) throws Exception {
    List<String> cmd = new ArrayList<>(List.of(tool, "verify"));
    units.forEach(u -> cmd.add(u.toString()));
    Path out = Files.createTempFile("systemd-analyze", ".txt");
    try {
      Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(out.toFile()).start();
      assertTrue(p.waitFor(60, TimeUnit.SECONDS), "systemd-analyze verify did not finish");
      List<String> complaints = new ArrayList<>();
      for (String line : Files.readAllLines(out, StandardCharsets.UTF_8)) {
        if (units.stream().anyMatch(u -> line.contains(u.getFileName().toString()))) {
          complaints.add(line);
        }
      }
      if (p.exitValue() != 0) {
        complaints.add("exit " + p.exitValue() + ": " + Files.readString(out));
      }
      return complaints;
    } finally {
      Files.deleteIfExists(out);
    }
  }

  @Test
  void units_passSystemdAnalyzeVerify() throws Exception {
    String tool = tool();
    List<Path> units = new ArrayList<>();
    for (String u : UNITS) {
      units.add(installable(u, Files.readString(root.resolve("deploy/systemd").resolve(u))));
    }
    assertEquals(List.of(), verify(tool, units));
  }

  @Test
  void theCheck_seesAMisspelledOption() throws Exception {
    String tool = tool();
    String text = Files.readString(root.resolve("deploy/systemd/ephyr-node.service"))
        .replace("ProtectHome=yes", "ProtectHomes=yes");
    List<String> complaints = verify(tool, List.of(installable("ephyr-node.service", text)));
    assertTrue(complaints.stream().anyMatch(l -> l.contains("ProtectHomes")), complaints.toString());
  }

  @Test
  void units_areHardened_andTheGuideListsEveryHardeningOption() throws Exception {
    String guide = Files.readString(root.resolve("docs/operations.md"));
    Set<String> used = new LinkedHashSet<>();
    for (String u : UNITS) {
      List<String> lines = Files.readAllLines(root.resolve("deploy/systemd").resolve(u));
      for (String required : REQUIRED) {
        assertTrue(lines.contains(required), u + " lacks " + required);
      }
      boolean hardening = false;
      for (String line : lines) {
        if (line.startsWith("# Hardening")) {
          hardening = true;
        } else if (line.startsWith("[")) {
          hardening = false;
        } else if (hardening && line.contains("=") && !line.startsWith("#")) {
          used.add(line.substring(0, line.indexOf('=')));
        }
      }
    }
    assertTrue(used.size() >= 15, used.toString());
    for (String option : used) {
      assertTrue(guide.contains("`" + option + "="), "docs/operations.md does not list " + option);
    }
    String signer = Files.readString(root.resolve("deploy/systemd/ephyr-signer.service"));
    assertTrue(signer.contains("RestrictAddressFamilies=AF_UNIX\n"), "the signer speaks Unix sockets only");
    assertTrue(signer.contains("StateDirectoryMode=0700"), "the CA key's folder is the signer's alone");
  }
}
