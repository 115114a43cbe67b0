package dev.ephyr.testing;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.stream.Stream;
import java.util.zip.ZipFile;

/**
 * Starts a main class in a child JVM with the test JVM's {@code java} and classpath, as the multi-process tests
 * need (a node to kill -9, freeze or restart).
 *
 * <p>The classpath is the test JVM's with SNAPSHOT jars and the module's own class directories copied once into
 * {@code target/child-classpath}: another build may rewrite them while children start, and a child that loads a
 * half-written jar fails with {@code NoClassDefFoundError} far from the cause.
 */
public final class ChildJvm {

  /** What Hazelcast wants opened on Java 17+ (the parent pom's {@code ephyr.jvm.opens}). */
  public static final List<String> OPENS = List.of("--add-modules", "java.se",
      "--add-exports", "java.base/jdk.internal.ref=ALL-UNNAMED",
      "--add-opens", "java.base/java.lang=ALL-UNNAMED",
      "--add-opens", "java.base/sun.nio.ch=ALL-UNNAMED",
      "--add-opens", "java.management/sun.management=ALL-UNNAMED",
      "--add-opens", "jdk.management/com.sun.management.internal=ALL-UNNAMED");

  /** A small, quick-starting JVM: several of them share two cores with the test JVM. */
  public static final List<String> SMALL = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1", "-Xss512k",
      "-Dorg.slf4j.simpleLogger.log.com.hazelcast=warn", "-Dorg.slf4j.simpleLogger.showDateTime=true",
      "-Dorg.slf4j.simpleLogger.dateTimeFormat=HH:mm:ss.SSS");

  private ChildJvm() {}

  /** The {@code java} of the test JVM. */
  public static String java() {
    return Path.of(System.getProperty("java.home"), "bin", "java").toString();
  }

  /**
   * Starts {@code mainClass} with {@code args}; the child's stderr is appended to {@code log}, its stdin and
   * stdout stay with the caller.
   *
   * @param heap the child's {@code -Xmx}, e.g. {@code "256m"}
   */
  public static Process start(String heap, String mainClass, List<String> args, Path log) {
    List<String> cmd = new ArrayList<>();
    cmd.add(java());
    cmd.addAll(OPENS);
    cmd.add("-Xmx" + heap);
    cmd.addAll(SMALL);
    cmd.add("-cp");
    cmd.add(Classpath.VALUE);
    cmd.add(mainClass);
    cmd.addAll(args);
    try {
      Files.createDirectories(log.toAbsolutePath().getParent());
      return new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** Computed once per test JVM, immutable afterwards. */
  private static final class Classpath {
    static final String VALUE = build();
  }

  private static String build() {
    Path dir = Path.of("target", "child-classpath");
    Path target = Path.of("target").toAbsolutePath();
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
        } else if (Files.isDirectory(p) && p.toAbsolutePath().startsWith(target)) {
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

  private static void deleteTree(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> all = new ArrayList<>();
    try (Stream<Path> files = Files.walk(dir)) {
      files.forEach(all::add);
    }
    Collections.reverse(all);
    for (Path f : all) {
      Files.deleteIfExists(f);
    }
  }

  private static void copyTree(Path from, Path to) throws IOException {
    try (Stream<Path> files = Files.walk(from)) {
      for (Path f : (Iterable<Path>) files::iterator) {
        Path dest = to.resolve(from.relativize(f).toString());
        if (Files.isDirectory(f)) {
          Files.createDirectories(dest);
        } else {
          Files.copy(f, dest, StandardCopyOption.REPLACE_EXISTING);
        }
      }
    }
  }
}
