package dev.ephyr.cluster;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.zip.ZipFile;

/**
 * The classpath for child JVMs: the test JVM's, with SNAPSHOT jars from the local repository copied
 * once into target/. Other engineers reinstall those jars while tests run; a child that starts in the
 * middle of such a rewrite would otherwise fail with NoClassDefFoundError.
 */
final class ChildClasspath {

  /** Computed once per test JVM; immutable afterwards. */
  static final String VALUE = build();

  private ChildClasspath() {}

  private static String build() {
    Path dir = Path.of("target", "child-classpath");
    List<String> out = new ArrayList<>();
    try {
      Files.createDirectories(dir);
      for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
        if (entry.endsWith("-SNAPSHOT.jar") && Files.isRegularFile(Path.of(entry))) {
          Path copy = dir.resolve(Path.of(entry).getFileName());
          Eventually.await(Duration.ofSeconds(60), "a complete copy of " + entry, () -> {
            Files.copy(Path.of(entry), copy, StandardCopyOption.REPLACE_EXISTING);
            try (ZipFile zip = new ZipFile(copy.toFile())) {
              return zip.size() > 0; // reading the central directory fails on a half-written jar
            }
          });
          out.add(copy.toAbsolutePath().toString());
        } else {
          out.add(entry);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return String.join(File.pathSeparator, out);
  }
}
