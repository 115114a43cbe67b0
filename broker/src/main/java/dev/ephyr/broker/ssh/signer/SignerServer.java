package dev.ephyr.broker.ssh.signer;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.PrintStream;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.attribute.GroupPrincipal;
import java.nio.file.attribute.PosixFileAttributeView;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.KeyPair;
import java.time.Clock;
import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import jdk.net.ExtendedSocketOptions;
import jdk.net.UnixDomainPrincipal;

/**
 * The signer process's server: a Unix domain socket in a private directory, reachable only by the
 * configured peer users (checked with {@code SO_PEERCRED} on every connection), speaking {@link Frames}
 * of JSON. Operations: {@code ping}, {@code public_key}, {@code sign}. Every signature and every refusal
 * is logged as one JSON line; the key never is.
 */
public final class SignerServer implements AutoCloseable {
  /** Connections served at once; more are closed at accept. */
  static final int MAX_CONNECTIONS = 16;
  /** A connection idle this long is closed. */
  static final Duration IDLE = Duration.ofSeconds(60);

  /**
   * How to run.
   *
   * @param socket the socket path (its directory must be private to the signer, or to it and {@code socketGroup})
   * @param limits the hard limits
   * @param allowedPeers user names that may connect (the broker's account)
   * @param socketGroup a group that may also reach the socket (production: broker and signer in separate
   *     accounts), or null for owner-only
   */
  public record Config(Path socket, SignerLimits limits, Set<String> allowedPeers, String socketGroup) {
    /** Copies the set. */
    public Config {
      allowedPeers = Set.copyOf(allowedPeers);
    }
  }

  private final ObjectMapper json = new ObjectMapper();
  private final Config config;
  private final CertificateAuthority ca;
  private final PrintStream log;
  private final Clock clock;
  private final ServerSocketChannel server;
  private final Thread acceptor;
  private final Semaphore slots = new Semaphore(MAX_CONNECTIONS);
  private final Map<SocketChannel, Long> lastActive = new ConcurrentHashMap<>();
  private final ScheduledExecutorService reaper;
  private volatile boolean closed;

  private SignerServer(Config config, CertificateAuthority ca, PrintStream log, Clock clock, ServerSocketChannel server) {
    this.config = config;
    this.ca = ca;
    this.log = log;
    this.clock = clock;
    this.server = server;
    this.reaper = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "signer-reaper"));
    this.acceptor = daemon(this::acceptLoop, "signer-accept");
  }

  /** Binds the socket (checking its directory), and starts serving. */
  public static SignerServer start(KeyPair caKey, Config config, PrintStream log, Clock clock)
      throws SignerSetupException {
    Path socket = config.socket().toAbsolutePath();
    if (socket.toString().getBytes(java.nio.charset.StandardCharsets.UTF_8).length > 100) {
      throw new SignerSetupException(socket + ": socket path longer than 100 bytes (Unix sockets allow ~107)");
    }
    prepareDirectory(socket.getParent(), config.socketGroup());
    removeStale(socket);
    ServerSocketChannel server;
    try {
      server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
      server.bind(UnixDomainSocketAddress.of(socket), 16);
      Files.setPosixFilePermissions(socket, PosixFilePermissions.fromString(
          config.socketGroup() == null ? "rw-------" : "rw-rw----"));
      if (config.socketGroup() != null) {
        setGroup(socket, config.socketGroup());
      }
    } catch (IOException e) {
      throw new SignerSetupException(socket + ": cannot listen (" + e.getMessage() + ")");
    }
    CertificateAuthority authority = new CertificateAuthority(caKey, config.limits(),
        new RateLimiter(config.limits().ratePerSecond(), config.limits().burst(), System::nanoTime), clock);
    SignerServer s = new SignerServer(config, authority, log, clock, server);
    s.reaper.scheduleWithFixedDelay(s::reapIdle, 5, 5, TimeUnit.SECONDS);
    s.acceptor.start();
    s.event(s.json.createObjectNode().put("event", "started").put("socket", socket.toString())
        .put("ca", authority.publicKeyLine()).put("max_ttl_seconds", config.limits().maxTtl().toSeconds())
        .put("principals", String.join(",", new java.util.TreeSet<>(config.limits().principals())))
        .put("rate_per_second", config.limits().ratePerSecond()).put("burst", config.limits().burst()));
    return s;
  }

  /** The CA public key line. */
  public String caPublicKey() {
    return ca.publicKeyLine();
  }

  /** The socket path. */
  public Path socket() {
    return config.socket();
  }

  private static void prepareDirectory(Path dir, String group) throws SignerSetupException {
    try {
      if (!Files.exists(dir, LinkOption.NOFOLLOW_LINKS)) {
        Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString(
            group == null ? "rwx------" : "rwxr-x---")));
        if (group != null) {
          setGroup(dir, group);
        }
      }
      if (!Files.isDirectory(dir, LinkOption.NOFOLLOW_LINKS)) {
        throw new SignerSetupException(dir + ": not a directory");
      }
      Set<PosixFilePermission> perms = Files.getPosixFilePermissions(dir, LinkOption.NOFOLLOW_LINKS);
      boolean others = perms.contains(PosixFilePermission.OTHERS_READ) || perms.contains(PosixFilePermission.OTHERS_WRITE)
          || perms.contains(PosixFilePermission.OTHERS_EXECUTE);
      boolean groupAccess = perms.contains(PosixFilePermission.GROUP_READ) || perms.contains(PosixFilePermission.GROUP_WRITE)
          || perms.contains(PosixFilePermission.GROUP_EXECUTE);
      if (others || perms.contains(PosixFilePermission.GROUP_WRITE) || (groupAccess && group == null)) {
        throw new SignerSetupException(dir + ": mode " + PosixFilePermissions.toString(perms)
            + " lets other accounts reach the signer socket; use a directory of mode 0700 (or 0750 with --socket-group)");
      }
    } catch (IOException e) {
      throw new SignerSetupException(dir + ": cannot prepare the socket directory (" + e.getMessage() + ")");
    } catch (UnsupportedOperationException e) {
      throw new SignerSetupException(dir + ": the signer needs a POSIX file system for its socket");
    }
  }

  /**
   * Hands {@code p} to {@code group} unless it already has it: under the systemd unit the signer runs with that
   * group, its files are created with it, and its system-call filter (no {@code @chown}) would refuse the call.
   */
  private static void setGroup(Path p, String group) throws IOException {
    GroupPrincipal g = p.getFileSystem().getUserPrincipalLookupService().lookupPrincipalByGroupName(group);
    PosixFileAttributeView view = Files.getFileAttributeView(p, PosixFileAttributeView.class, LinkOption.NOFOLLOW_LINKS);
    if (!view.readAttributes().group().equals(g)) {
      view.setGroup(g);
    }
  }

  /** A socket file left by a signer that died; a live one is a configuration error. */
  private static void removeStale(Path socket) throws SignerSetupException {
    if (!Files.exists(socket, LinkOption.NOFOLLOW_LINKS)) {
      return;
    }
    try (SocketChannel probe = SocketChannel.open(UnixDomainSocketAddress.of(socket))) {
      throw new SignerSetupException(socket + ": another signer is already listening here");
    } catch (IOException e) {
      try {
        if (Files.isRegularFile(socket, LinkOption.NOFOLLOW_LINKS) || Files.isDirectory(socket, LinkOption.NOFOLLOW_LINKS)) {
          throw new SignerSetupException(socket + ": exists and is not a socket; refusing to replace it");
        }
        Files.delete(socket);
      } catch (IOException d) {
        throw new SignerSetupException(socket + ": cannot remove the stale socket (" + d.getMessage() + ")");
      }
    }
  }

  private void acceptLoop() {
    while (!closed) {
      SocketChannel ch;
      try {
        ch = server.accept();
      } catch (IOException e) {
        if (!closed) {
          event(json.createObjectNode().put("event", "accept_failed").put("error", e.getClass().getSimpleName()));
        }
        return;
      }
      String peer = peer(ch);
      if (peer == null || !config.allowedPeers().contains(peer)) {
        event(json.createObjectNode().put("event", "peer_refused").put("peer", peer == null ? "unknown" : peer));
        closeQuietly(ch);
        continue;
      }
      if (!slots.tryAcquire()) {
        event(json.createObjectNode().put("event", "busy").put("peer", peer));
        closeQuietly(ch);
        continue;
      }
      daemon(() -> {
        try {
          serve(ch, peer);
        } finally {
          lastActive.remove(ch);
          closeQuietly(ch);
          slots.release();
        }
      }, "signer-conn").start();
    }
  }

  private static String peer(SocketChannel ch) {
    try {
      UnixDomainPrincipal p = ch.getOption(ExtendedSocketOptions.SO_PEERCRED);
      return p == null ? null : p.user().getName();
    } catch (IOException | UnsupportedOperationException e) {
      return null;
    }
  }

  private void serve(SocketChannel ch, String peer) {
    try {
      while (!closed) {
        lastActive.put(ch, System.nanoTime());
        String frame;
        try {
          frame = Frames.read(ch);
        } catch (Frames.FrameTooLargeException e) {
          Frames.write(ch, error("frame_too_large", e.getMessage()));
          return;
        }
        if (frame == null) {
          return;
        }
        lastActive.put(ch, System.nanoTime());
        Frames.write(ch, handle(frame, peer));
      }
    } catch (IOException e) {
      // peer went away or idled out; nothing to answer
    }
  }

  /** One request in, one response out; never throws. */
  String handle(String frame, String peer) {
    JsonNode req;
    try {
      req = json.readTree(frame);
    } catch (JsonProcessingException e) {
      return error("bad_request", "not JSON");
    }
    if (req == null || !req.isObject() || !req.path("op").isTextual()) {
      return error("bad_request", "expected a JSON object with an 'op'");
    }
    switch (req.get("op").asText()) {
      case "ping":
        return json.createObjectNode().put("ok", true).toString();
      case "public_key":
        return json.createObjectNode().put("ok", true).put("public_key", ca.publicKeyLine()).toString();
      case "sign":
        CertificateAuthority.Outcome o = ca.sign(req);
        if (o instanceof CertificateAuthority.Signed s) {
          ObjectNode line = json.createObjectNode().put("event", "signed").put("peer", peer).put("serial", s.serial())
              .put("key_id", s.keyId()).put("principals", String.join(",", s.principals()))
              .put("valid_after", s.validAfter().getEpochSecond()).put("valid_before", s.validBefore().getEpochSecond())
              .put("extensions", String.join(",", s.extensions()))
              .put("critical_options", String.join(",", s.criticalOptions()));
          event(line);
          return json.createObjectNode().put("ok", true).put("certificate", s.certificate())
              .put("serial", s.serial()).put("valid_after", s.validAfter().getEpochSecond())
              .put("valid_before", s.validBefore().getEpochSecond()).toString();
        }
        CertificateAuthority.Refused r = (CertificateAuthority.Refused) o;
        event(json.createObjectNode().put("event", "refused").put("peer", peer).put("code", r.code())
            .put("reason", r.message()).put("key_id", req.path("key_id").isTextual()
                ? truncate(req.get("key_id").asText()) : null));
        return error(r.code(), r.message());
      default:
        return error("bad_request", "unknown op");
    }
  }

  private static String truncate(String s) {
    return s.length() > 200 ? s.substring(0, 200) + "…" : s;
  }

  private String error(String code, String message) {
    return json.createObjectNode().put("ok", false).put("error", code).put("message", message).toString();
  }

  private void event(ObjectNode line) {
    line.put("ts", clock.instant().toString());
    synchronized (log) {
      log.println(line.toString());
      log.flush();
    }
  }

  private void reapIdle() {
    long limit = System.nanoTime() - IDLE.toNanos();
    lastActive.forEach((ch, t) -> {
      if (t < limit) {
        closeQuietly(ch); // unblocks the connection's read
      }
    });
  }

  private static void closeQuietly(java.io.Closeable c) {
    try {
      c.close();
    } catch (IOException ignored) {
      // closing anyway
    }
  }

  private static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /** Stops accepting, closes every connection and removes the socket file. */
  @Override
  public void close() {
    closed = true;
    closeQuietly(server);
    lastActive.keySet().forEach(SignerServer::closeQuietly);
    reaper.shutdownNow();
    try {
      Files.deleteIfExists(config.socket().toAbsolutePath());
    } catch (IOException ignored) {
      // best effort
    }
  }
}
