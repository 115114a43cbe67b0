package dev.ephyr.broker.federation;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLEngine;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.TrustManagerFactory;
import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.Enumeration;
import java.util.List;
import java.util.jar.JarEntry;
import java.util.jar.JarFile;

/**
 * Loads the HTTP client's connection classes (Vert.x HTTP/1.x client, Netty HTTP codec and TLS) and brings up
 * the JDK's TLS client once, on the thread that builds the node. Otherwise the first connection to a remote
 * does it on an event loop, which measured 100–300 ms on a busy two-core machine: long enough to trip the
 * blocked-thread checker. Best effort.
 */
final class ClientWarmup {
  private static final List<String> PACKAGES = List.of("io/vertx/core/http/impl/", "io/netty/handler/codec/http/",
      "io/netty/handler/ssl/", "io/vertx/core/internal/tls/", "io/vertx/core/net/impl/");

  private ClientWarmup() {}

  /** Loads the client classes and starts one TLS client handshake in memory. Blocking; never throws. */
  static void run() {
    loadClasses();
    try {
      TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      tmf.init((KeyStore) null);
      SSLContext tls = SSLContext.getInstance("TLS");
      tls.init(null, tmf.getTrustManagers(), null);
      SSLEngine engine = tls.createSSLEngine("warmup.invalid", 443);
      engine.setUseClientMode(true);
      SSLParameters params = engine.getSSLParameters();
      params.setEndpointIdentificationAlgorithm("HTTPS");
      engine.setSSLParameters(params);
      engine.wrap(ByteBuffer.allocate(0), ByteBuffer.allocate(engine.getSession().getPacketBufferSize()));
    } catch (GeneralSecurityException | java.io.IOException | RuntimeException e) {
      // best effort
    }
  }

  private static void loadClasses() {
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
