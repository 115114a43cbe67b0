package dev.ephyr.broker.ssh;

import io.vertx.core.Context;
import io.vertx.core.Future;
import io.vertx.core.Promise;
import io.vertx.core.Vertx;
import java.security.KeyPair;
import java.security.PublicKey;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.apache.sshd.client.SshClient;
import org.apache.sshd.client.auth.pubkey.UserAuthPublicKeyFactory;
import org.apache.sshd.client.config.hosts.HostConfigEntryResolver;
import org.apache.sshd.common.keyprovider.KeyIdentityProvider;
import org.apache.sshd.client.future.ConnectFuture;
import org.apache.sshd.client.session.ClientSession;
import org.apache.sshd.common.AttributeRepository;
import org.apache.sshd.common.NamedFactory;
import org.apache.sshd.common.config.keys.KeyUtils;
import org.apache.sshd.common.config.keys.PublicKeyEntry;
import org.apache.sshd.common.signature.Signature;

/**
 * Opens authenticated SSH connections with MINA's client, on MINA's own I/O threads: connect, check the
 * host key against the target's pinned key, authenticate with a fresh certificate. Nothing here blocks
 * the caller; results come back on the caller's Vert.x context.
 */
final class SshConnector implements AutoCloseable {
  /** The pinned host key the verifier compares with, carried per connection. */
  static final AttributeRepository.AttributeKey<PublicKey> PINNED = new AttributeRepository.AttributeKey<>();

  private final Vertx vertx;
  private final Duration timeout;
  /** One client per pinned host-key type, each preferring that type in key exchange. */
  private final Map<String, SshClient> clients = new ConcurrentHashMap<>();

  SshConnector(Vertx vertx, Duration timeout) {
    this.vertx = vertx;
    this.timeout = timeout;
  }

  /** The outcome of opening a connection. */
  sealed interface Opened {}

  /** Connected and authenticated. */
  record Connected(ClientSession session) implements Opened {}

  /** Not connected; {@code code} is stable ({@code host_key_mismatch}, {@code auth_failed}, {@code connect_failed}, {@code timeout}). */
  record Failed(String code, String message) implements Opened {}

  /** Parses an OpenSSH public key line; null if it does not parse. */
  static PublicKey parseKey(String line) {
    try {
      return PublicKeyEntry.parsePublicKeyEntry(line).resolvePublicKey(null, null, null);
    } catch (Exception e) {
      return null;
    }
  }

  /** Connects to {@code host:port} as {@code user}, accepting only {@code pinned}, authenticating with {@code identity}. */
  Future<Opened> open(String host, int port, String user, PublicKey pinned, KeyPair identity, Context ctx) {
    Promise<Opened> promise = Promise.promise();
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<ClientSession> holder = new AtomicReference<>();
    AtomicReference<Runnable> cancel = new AtomicReference<>();
    long timer = vertx.setTimer(timeout.toMillis(), id -> {
      if (done.compareAndSet(false, true)) {
        Runnable c = cancel.get();
        if (c != null) {
          c.run();
        }
        promise.complete(new Failed("timeout", "connecting to " + host + ":" + port + " took longer than "
            + timeout.toSeconds() + "s"));
      }
    });
    java.util.function.Consumer<Opened> finish = o -> ctx.runOnContext(v -> {
      if (done.compareAndSet(false, true)) {
        vertx.cancelTimer(timer);
        promise.complete(o);
      } else if (o instanceof Connected c) {
        c.session().close(true); // too late: the caller already gave up
      }
    });
    // MINA's connect resolves the address and loads classes on first use: start it from a worker thread.
    vertx.executeBlocking(() -> {
      startConnect(host, port, user, pinned, identity, holder, cancel, finish);
      return null;
    }, false);
    return promise.future();
  }

  private void startConnect(String host, int port, String user, PublicKey pinned, KeyPair identity,
      AtomicReference<ClientSession> holder, AtomicReference<Runnable> cancel,
      java.util.function.Consumer<Opened> finish) {
    try {
      SshClient client = client(KeyUtils.getKeyType(pinned));
      ConnectFuture cf = client.connect(user, host, port, AttributeRepository.ofKeyValuePair(PINNED, pinned), null);
      cancel.set(() -> {
        cf.cancel();
        ClientSession s = holder.get();
        if (s != null) {
          s.close(true);
        }
      });
      cf.addListener(f -> {
        if (!f.isConnected()) {
          finish.accept(new Failed("connect_failed", "cannot connect to " + host + ":" + port + reason(f.getException())));
          return;
        }
        ClientSession session = f.getSession();
        holder.set(session);
        try {
          session.addPublicKeyIdentity(identity);
          session.auth().addListener(af -> {
            if (af.isSuccess()) {
              finish.accept(new Connected(session));
            } else {
              boolean hostKey = session.getServerKey() != null && !KeyUtils.compareKeys(pinned, session.getServerKey());
              session.close(true);
              finish.accept(hostKey
                  ? new Failed("host_key_mismatch", "the host key of " + host + ":" + port + " does not match the pinned key")
                  : new Failed("auth_failed", "the host refused the certificate" + reason(af.getException())));
            }
          });
        } catch (Exception e) {
          session.close(true);
          finish.accept(new Failed("auth_failed", "authentication could not start" + reason(e)));
        }
      });
    } catch (Exception e) {
      finish.accept(new Failed("connect_failed", "cannot connect to " + host + ":" + port + reason(e)));
    }
  }

  private static String reason(Throwable e) {
    if (e == null) {
      return "";
    }
    String m = e.getMessage();
    if (m != null && m.contains("Server key did not validate")) {
      return " (host key does not match the pinned key)";
    }
    return " (" + e.getClass().getSimpleName() + (m == null ? "" : ": " + (m.length() > 160 ? m.substring(0, 160) : m)) + ")";
  }

  /** Builds the client for {@code keyType} now (class loading and thread start are slow: not on an event loop). */
  void warm(String keyType) {
    client(keyType);
  }

  private SshClient client(String keyType) {
    return clients.computeIfAbsent(keyType == null ? "?" : keyType, t -> {
      SshClient c = SshClient.setUpDefaultClient();
      // Nothing from the broker account's ~/.ssh: no config file that could redirect a host, no keys, no agent.
      c.setHostConfigEntryResolver(HostConfigEntryResolver.EMPTY);
      c.setKeyIdentityProvider(KeyIdentityProvider.EMPTY_KEYS_PROVIDER);
      c.setUserAuthFactories(List.of(UserAuthPublicKeyFactory.INSTANCE));
      c.setServerKeyVerifier((session, addr, key) -> {
        PublicKey expected = session.getConnectionContext() == null ? null
            : session.getConnectionContext().getAttribute(PINNED);
        return expected != null && KeyUtils.compareKeys(expected, key);
      });
      // Offer the pinned key's algorithms first, so the host presents the key we pinned.
      List<NamedFactory<Signature>> preferred = new ArrayList<>();
      List<NamedFactory<Signature>> rest = new ArrayList<>();
      for (NamedFactory<Signature> f : c.getSignatureFactories()) {
        (matches(t, f.getName()) ? preferred : rest).add(f);
      }
      preferred.addAll(rest);
      c.setSignatureFactories(preferred);
      c.start();
      return c;
    });
  }

  private static boolean matches(String keyType, String algorithm) {
    if (keyType.equals("ssh-rsa")) {
      return algorithm.equals("rsa-sha2-512") || algorithm.equals("rsa-sha2-256") || algorithm.equals("ssh-rsa");
    }
    return algorithm.equals(keyType);
  }

  @Override
  public void close() {
    for (SshClient c : clients.values()) {
      c.stop();
    }
    clients.clear();
  }
}
