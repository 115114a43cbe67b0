package dev.ephyr.broker.policy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.vertx.core.Vertx;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class PolicyStoreTest {
  private static final Duration FAST_POLL = Duration.ofMillis(20);
  private static final long WAIT_SECONDS = 20;

  @TempDir Path dir;
  private Vertx vertx;
  private Path file;

  @BeforeEach
  void setUp() throws Exception {
    vertx = Vertx.vertx();
    file = dir.resolve("policy.yaml");
    Files.writeString(file, policyWithDepth(1));
  }

  @AfterEach
  void tearDown() throws Exception {
    vertx.close().toCompletionStage().toCompletableFuture().get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  private static String policyWithDepth(int depth) {
    return "version: 1\nagents:\n  x: { delegate: true, max_depth: " + depth + " }\n";
  }

  private static <T> T await(CompletableFuture<T> f) throws Exception {
    return f.get(WAIT_SECONDS, TimeUnit.SECONDS);
  }

  @Test
  void open_failsOnABadInitialFile() throws Exception {
    Files.writeString(file, "version: 1\nagents:\n  x: { bogus: 1 }\n");
    PolicyException e = assertThrows(PolicyException.class, () -> PolicyStore.open(vertx, file, FAST_POLL));
    assertEquals("policy.yaml:3: unknown key 'bogus' in agents.x", e.getMessage());
  }

  @Test
  void poll_picksUpAGoodChange_andNotifiesListeners() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, FAST_POLL)) {
      CompletableFuture<Policy> changed = new CompletableFuture<>();
      store.onChange(changed::complete);
      Files.writeString(file, policyWithDepth(4));
      Policy next = await(changed);
      assertEquals(4, next.agent("x").orElseThrow().grant().maxDepth());
      assertSame(next, store.current());
      assertTrue(store.lastError().isEmpty());
    }
  }

  @Test
  void poll_keepsTheOldPolicyOnABadChange_andReportsOnce() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, FAST_POLL)) {
      Policy before = store.current();
      CompletableFuture<PolicyException> failed = new CompletableFuture<>();
      store.onReloadFailed(e -> {
        if (!failed.complete(e)) {
          throw new AssertionError("the same bad file was reported twice");
        }
      });
      Files.writeString(file, "version: 1\nagents:\n  x: { delegate: maybe }\n");
      PolicyException e = await(failed);
      assertEquals("policy.yaml:3: agents.x.delegate must be true or false, got 'maybe'", e.getMessage());
      assertSame(before, store.current());
      assertEquals(e.getMessage(), store.lastError().orElseThrow());

      // Fixing the file brings the new policy in and clears the error.
      CompletableFuture<Policy> changed = new CompletableFuture<>();
      store.onChange(changed::complete);
      Files.writeString(file, policyWithDepth(3));
      assertEquals(3, await(changed).agent("x").orElseThrow().grant().maxDepth());
      assertTrue(store.lastError().isEmpty());
    }
  }

  @Test
  void reload_onDemand_succeedsWithTheNewPolicy() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, Duration.ofHours(1))) {
      Files.writeString(file, policyWithDepth(2));
      Policy p = await(store.reload().toCompletionStage().toCompletableFuture());
      assertEquals(2, p.agent("x").orElseThrow().grant().maxDepth());
      assertSame(p, store.current());
    }
  }

  @Test
  void reload_onDemand_failsWithTheProblem_andKeepsTheOldPolicy() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, Duration.ofHours(1))) {
      Policy before = store.current();
      Files.writeString(file, "version: 1\nagents:\n  x: { max_task_ttl: forever }\n");
      for (int attempt = 0; attempt < 2; attempt++) { // a second reload of the same bad file fails the same way
        ExecutionException ex = assertThrows(ExecutionException.class,
            () -> await(store.reload().toCompletionStage().toCompletableFuture()));
        PolicyException e = assertInstanceOf(PolicyException.class, ex.getCause());
        assertTrue(e.getMessage().startsWith("policy.yaml:3: agents.x.max_task_ttl must be a duration"), e.getMessage());
        assertSame(before, store.current());
      }
    }
  }

  @Test
  void reload_ofADeletedFile_keepsTheOldPolicy() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, Duration.ofHours(1))) {
      Policy before = store.current();
      Files.delete(file);
      ExecutionException ex = assertThrows(ExecutionException.class,
          () -> await(store.reload().toCompletionStage().toCompletableFuture()));
      assertTrue(ex.getCause().getMessage().contains("no such file"), ex.getCause().getMessage());
      assertSame(before, store.current());
    }
  }

  @Test
  void commentOnlyChange_keepsTheSamePolicy_withoutNotifying() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, Duration.ofHours(1))) {
      Policy before = store.current();
      store.onChange(p -> {
        throw new AssertionError("notified for a comment-only change");
      });
      Files.writeString(file, "# a comment\n" + policyWithDepth(1));
      assertSame(before, await(store.reload().toCompletionStage().toCompletableFuture()));
    }
  }

  @Test
  void reload_runsOffTheEventLoop() throws Exception {
    try (PolicyStore store = PolicyStore.open(vertx, file, Duration.ofHours(1))) {
      CompletableFuture<Boolean> onLoop = new CompletableFuture<>();
      // Called from an event loop, reload must still complete (the read happens on a worker).
      vertx.runOnContext(v -> store.reload().onComplete(r -> onLoop.complete(r.succeeded())));
      assertTrue(await(onLoop));
    }
  }
}
