package dev.ephyr.broker;

import java.io.BufferedReader;
import java.io.File;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.zip.ZipFile;

/** A {@link ChildBroker} in its own JVM, started with the test JVM's java and classpath. */
final class ChildProcess implements AutoCloseable {
  private static final List<String> JVM_OPENS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  final String name;
  final Process process;
  final CompletableFuture<Integer> port = new CompletableFuture<>();

  private ChildProcess(String name, Process process) {
    this.name = name;
    this.process = process;
    Thread pump = new Thread(() -> {
      try (BufferedReader r = new BufferedReader(new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
        String line;
        while ((line = r.readLine()) != null) {
          if (line.startsWith("@@ ready ")) {
            port.complete(Integer.parseInt(line.substring(9).trim()));
          }
        }
      } catch (IOException ignored) {
        // process ended
      }
      port.completeExceptionally(new IllegalStateException("child " + name + " ended before it was ready"));
    }, "child-" + name);
    pump.setDaemon(true);
    pump.start();
  }

  static ChildProcess start(String name, Path config, Path logDir) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    cmd.addAll(JVM_OPENS);
    cmd.addAll(List.of("-Xmx256m", "-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
        "-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true"));
    cmd.add("-cp");
    cmd.add(Classpath.VALUE);
    cmd.add(ChildBroker.class.getName());
    cmd.add(config.toString());
    try {
      Files.createDirectories(logDir);
      Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(
          logDir.resolve(name + ".log").toFile())).start();
      return new ChildProcess(name, p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
      List<Path> all = new ArrayList<>();
      files.forEach(all::add);
      java.util.Collections.reverse(all);
      for (Path f : all) {
        Files.deleteIfExists(f);
      }
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (java.util.stream.Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path target = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(target);
        } else {
          Files.copy(f, target, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }

  int awaitPort(Duration timeout) throws Exception {
    return port.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
  }

  /** Kills the child at once (SIGKILL): no graceful leave. */
  void kill() throws InterruptedException {
    process.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
  }

  /** Ends the child: closes its stdin (graceful), then kills it if it lingers. */
  @Override
  public void close() {
    try {
      process.getOutputStream().close();
    } catch (IOException ignored) {
      // already gone
    }
    try {
      if (!process.waitFor(20, TimeUnit.SECONDS)) {
        process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
    } catch (InterruptedException e) {
      process.destroyForcibly();
      Thread.currentThread().interrupt();
    }
  }

  /**
   * The test JVM's classpath, with SNAPSHOT jars and this module's class directories copied once into target/
   * (other engineers reinstall the jars and rebuild the module while tests run).
   */
  /** Computed once per test JVM, immutable afterwards. */
  private static final class Classpath {
    static final String VALUE = build();
  }

  private static String build() {
    Path dir = Path.of("target", "child-classpath");
    List<String> out = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        Path p = Path.of(entry);
        if (entry.endsWith("-SNAPSHOT.jar") && Files.isRegularFile(p)) {
          Path copy = dir.resolve(p.getFileName());
          Eventually.await(Duration.ofSeconds(60), "a complete copy of " + entry, () -> {
            Files.copy(p, copy, StandardCopyOption.REPLACE_EXISTING);
            try (ZipFile zip = new ZipFile(copy.toFile())) {
              return zip.size() > 0; // reading the central directory fails on a half-written jar
            }
          });
          out.add(copy.toAbsolutePath().toString());
        } else if (Files.isDirectory(p) && p.toAbsolutePath().startsWith(Path.of("target").toAbsolutePath())) {
          // This module's class directories: another build may rewrite them while children start.
          Path copy = dir.resolve(p.getFileName() + "-copy");
          deleteTree(copy);
          copyTree(p, copy);
          out.add(copy.toAbsolutePath().toString());
        } else {
          out.add(p.toAbsolutePath().toString());
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, out);
  }
}
