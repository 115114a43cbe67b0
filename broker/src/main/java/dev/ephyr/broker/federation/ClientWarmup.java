package dev.ephyr.broker.federation;

import java.io.IOException;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the HTTP client's connection classes (Vert.x HTTP/1.x client, Netty HTTP codec) on the thread that
 * builds the node. Otherwise the first connection to a remote loads them on an event loop, which measured
 * 100–300 ms on a busy two-core machine: long enough to trip the blocked-thread checker. Best effort.
 */
final class ClientWarmup {
  private static final List<String> PACKAGES = List.of("io/vertx/core/http/impl/", "io/netty/handler/codec/http/");

  private ClientWarmup() {}

  /** Loads (without initializing) every class directly in the client packages. Blocking; never throws. */
  static void run() {
    ClassLoader loader = ClientWarmup.class.getClassLoader();
    for (Class<?> anchor : new Class<?>[] {io.vertx.core.http.HttpClient.class,
        io.netty.handler.codec.http.HttpClientCodec.class}) {
      Path jar;
      try {
        jar = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
      } catch (URISyntaxException | RuntimeException e) {
        continue;
      }
      if (!jar.toString().endsWith(".jar")) {
        continue;
      }
      try (JarFile file = new JarFile(jar.toFile())) {
        Enumeration<JarEntry> entries = file.entries();
        while (entries.hasMoreElements()) {
          String name = entries.nextElement().getName();
          for (String p : PACKAGES) {
            if (name.startsWith(p) && name.endsWith(".class") && name.indexOf('/', p.length()) < 0) {
              load(loader, name.substring(0, name.length() - 6).replace('/', '.'));
            }
          }
        }
      } catch (IOException e) {
        // best effort: the classes then load on first use
      }
    }
  }

  private static void load(ClassLoader loader, String name) {
    try {
      Class.forName(name, false, loader);
    } catch (ClassNotFoundException | LinkageError e) {
      // optional dependencies of some classes may be absent; they are not on our path
    }
  }
}
