package dev.ephyr.broker.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a configuration reload applies: exactly the settings the catalogue marks {@code reload}, each taking effect
 * in the configuration in force; changed {@code restart} settings are named and left alone; a configuration with
 * problems changes nothing and is refused with the message start would give.
 */
class LiveConfigTest {

  private static NodeConfig.Builder base() {
    return NodeConfig.builder().nodeId("n1").dataDir(Path.of("target", "live-config"));
  }

  /** A valid value of {@code s} other than its default. */
  private static String another(Setting s) {
    if (s.type() instanceof SettingType.Int i) {
      return String.valueOf(String.valueOf(i.min()).equals(s.dflt()) ? i.min() + 1 : i.min());
    }
    if (s.type() instanceof SettingType.Time t) {
      String v = t.min().toMillis() + "ms";
      return v.equals(s.dflt()) ? (t.min().toMillis() + 1) + "ms" : v;
    }
    if (s.type() instanceof SettingType.Bool) {
      return String.valueOf(!Boolean.parseBoolean(s.dflt()));
    }
    if (s.type() instanceof SettingType.Origins) {
      return "https://another.example";
    }
    if (s == Settings.SSH_SIGNER_SOCKET) {
      return "run/other.sock";
    }
    throw new AssertionError(s.name() + " is reloadable: give this test a second value of its type to try");
  }

  @Test
  void everyReloadableSetting_takesEffect_andNothingElseMoves() throws Exception {
    List<Setting> reloadable = Settings.ALL.stream().filter(s -> s.change() == Setting.Change.RELOAD).toList();
    assertTrue(reloadable.size() >= 7, "tasks.*, http.allowed-origins and ssh.signer-socket are marked reloadable");
    for (Setting s : reloadable) {
      NodeConfig started = base().build();
      NodeConfig edited = base().set(s.name(), another(s)).build();
      assertNotEquals(started, edited, s.name() + ": the second value must differ");
      LiveConfig live = new LiveConfig(started, () -> edited);
      ConfigChanges c = live.reload();
      assertEquals(List.of(s.name()), c.applied(), s.name());
      assertEquals(List.of(), c.needsRestart(), s.name());
      // The whole configuration in force is now the edited one: the new value reached its typed setting.
      assertEquals(edited, live.current(), s.name() + " is marked reload but the reload did not apply it");
    }
  }

  @Test
  void changedRestartSettings_areNamed_notApplied() throws Exception {
    NodeConfig started = base().build();
    NodeConfig edited = base().set("http.body-limit", "4096").set("cluster.port", "5999")
        .set("ssh.max-sessions", "3").set("tasks.max-ttl", "2h").build();
    LiveConfig live = new LiveConfig(started, () -> edited);
    ConfigChanges c = live.reload();
    assertEquals(List.of("tasks.max-ttl"), c.applied());
    assertEquals(List.of("cluster.port", "http.body-limit", "ssh.max-sessions"), c.needsRestart());
    NodeConfig now = live.current();
    assertEquals(Duration.ofHours(2), now.tasks().maxTtl());
    assertEquals(started.http().bodyLimit(), now.http().bodyLimit());
    assertEquals(started.ssh(), now.ssh());
    assertEquals(started.cluster(), now.cluster());
    // Asked again, the pending change is still pending (it is compared with what is in force, not the last file).
    assertEquals(List.of("cluster.port", "http.body-limit", "ssh.max-sessions"), live.reload().needsRestart());
    assertTrue(c.summary().contains("needs restart (not applied): cluster.port, http.body-limit, ssh.max-sessions"),
        c.summary());
    assertFalse(c.summary().contains("4096") || c.summary().contains("5999"), "keys, never values");
  }

  @Test
  void aFileWithProblems_changesNothing_andSaysWhatStartWouldSay(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("node.yaml");
    Files.writeString(yaml, "node.id: n1\ntasks:\n  max-ttl: 2h\n");
    NodeConfig.Reader reader = NodeConfig.reader(yaml, Map.of());
    LiveConfig live = new LiveConfig(reader.read(), reader);
    NodeConfig before = live.current();

    Files.writeString(yaml, "node.id: n1\ntasks:\n  max-ttl: 90d\n  list-limit: 3\nhttp.prot: 1\n");
    String atStart = assertThrows(ConfigException.class, () -> NodeConfig.load(yaml, Map.of())).getMessage();
    ConfigException refused = assertThrows(ConfigException.class, live::reload);
    assertEquals(atStart, refused.getMessage());
    assertTrue(refused.getMessage().contains("unknown setting 'http.prot'"), refused.getMessage());
    assertTrue(refused.getMessage().contains("tasks.max-ttl"), refused.getMessage());
    assertSame(before, live.current(), "not even the good line (tasks.list-limit) is applied");

    Files.writeString(yaml, "node.id: n1\ntasks:\n  max-ttl: 3h\n");
    assertEquals(List.of("tasks.max-ttl"), live.reload().applied());
    assertEquals(Duration.ofHours(3), live.current().tasks().maxTtl());
  }

  @Test
  void unchangedFile_changesNothing_evenWithoutANodeId(@TempDir Path dir) throws Exception {
    Path yaml = dir.resolve("node.yaml");
    Files.writeString(yaml, "tasks.list-limit: 7\n");
    NodeConfig.Reader reader = NodeConfig.reader(yaml, Map.of("EPHYR_HTTP_PORT", "8999"));
    NodeConfig started = reader.read().withNodeIdDefault(); // the random id is the node's, not a change
    LiveConfig live = new LiveConfig(started, reader);
    ConfigChanges c = live.reload();
    assertTrue(c.none(), c.summary());
    assertSame(started, live.current());
    assertEquals(8999, live.current().http().port(), "the environment of the start is read again");
  }

  @Test
  void aFailingEffect_refusesTheReload_andChangesNothing() throws Exception {
    NodeConfig started = base().build();
    LiveConfig live = new LiveConfig(started, () -> base().set("ssh.signer-socket", "run/s.sock")
        .set("tasks.max-ttl", "2h").build());
    live.onReload((running, next) -> {
      throw new ConfigException("ssh.signer-socket: cannot reach the signer");
    });
    ConfigException e = assertThrows(ConfigException.class, live::reload);
    assertEquals("ssh.signer-socket: cannot reach the signer", e.getMessage());
    assertSame(started, live.current(), "not even tasks.max-ttl");
  }

  @Test
  void theLongestMaxTtl_isRemembered() throws Exception {
    AtomicReference<String> maxTtl = new AtomicReference<>("3h");
    LiveConfig live = new LiveConfig(base().set("tasks.max-ttl", "1h").build(),
        () -> base().set("tasks.max-ttl", maxTtl.get()).build());
    live.reload();
    maxTtl.set("10m");
    live.reload();
    assertEquals(Duration.ofMinutes(10), live.current().tasks().maxTtl());
    // Tokens minted under 3h may still live: what must outlast them uses the longest maximum in force since start.
    assertEquals(Duration.ofHours(3), live.longestTaskTtl());
  }

  @Test
  void concurrentReaders_seeOneWholeConfiguration() throws Exception {
    NodeConfig a = base().set("tasks.default-ttl", "1m").set("tasks.max-ttl", "1h").build();
    NodeConfig b = base().set("tasks.default-ttl", "2m").set("tasks.max-ttl", "2h").build();
    AtomicReference<NodeConfig> next = new AtomicReference<>(b);
    LiveConfig live = new LiveConfig(a, next::get);
    List<String> mixed = new ArrayList<>();
    Thread reader = new Thread(() -> {
      for (int i = 0; i < 200_000; i++) {
        TaskSettings t = live.current().tasks();
        long ratio = t.maxTtl().toMinutes() / t.defaultTtl().toMinutes();
        if (ratio != 60) {
          synchronized (mixed) {
            mixed.add(t.toString());
          }
        }
      }
    });
    reader.start();
    for (int i = 0; i < 50; i++) {
      next.set(i % 2 == 0 ? a : b);
      live.reload();
    }
    reader.join(60_000);
    assertEquals(List.of(), mixed);
  }
}
