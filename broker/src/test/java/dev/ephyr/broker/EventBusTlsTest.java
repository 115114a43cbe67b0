package dev.ephyr.broker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import dev.ephyr.broker.boot.Node;
import dev.ephyr.broker.bus.BusCertificates;
import dev.ephyr.testing.Eventually;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;
import io.vertx.core.eventbus.DeliveryOptions;
import io.vertx.core.eventbus.EventBusOptions;
import io.vertx.core.http.ClientAuth;
import io.vertx.core.net.PemKeyCertOptions;
import io.vertx.core.net.PemTrustOptions;
import io.vertx.spi.cluster.hazelcast.HazelcastClusterManager;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * Two nodes with event-bus TLS (certificates from {@link BusCertificates}, as {@code ephyr certs init} makes
 * them) talk; a peer that joins the Hazelcast cluster with a certificate from another CA can neither send to a
 * node's consumer nor receive what the nodes publish.
 */
class EventBusTlsTest {

  @Test
  void nodesWithTheClusterCaTalk_aPeerWithAnotherCaCannot() throws Exception {
    TestKit kit = new TestKit();
    Path certs = write(kit.dir.resolve("certs"), BusCertificates.provision("test CA", List.of("n1", "n2"),
        Duration.ofDays(1), TestKit.RANDOM), List.of("n1", "n2"));
    Path foreign = write(kit.dir.resolve("foreign"), BusCertificates.provision("test CA", List.of("n1"),
        Duration.ofDays(1), TestKit.RANDOM), List.of("n1"));
    List<Integer> ports = List.of(TestKit.freePort(), TestKit.freePort());
    Node n1 = null;
    Node n2 = null;
    HazelcastInstance member = null;
    Vertx intruder = null;
    try {
      n1 = TestKit.start(kit.config("n1", ports.get(0), ports).eventBusTls(certs.resolve("n1/node.pem"),
          certs.resolve("n1/node-key.pem"), certs.resolve("ca.pem")).build());
      n2 = TestKit.start(kit.config("n2", ports.get(1), ports).eventBusTls(certs.resolve("n2/node.pem"),
          certs.resolve("n2/node-key.pem"), certs.resolve("ca.pem")).build());
      TestKit.awaitReady(n1);
      TestKit.awaitReady(n2);
      n2.vertx().eventBus().consumer("test.tls.ping", m -> m.reply("pong")).completion()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      AtomicInteger legit = new AtomicInteger();
      n2.vertx().eventBus().consumer("test.tls.news", m -> legit.incrementAndGet()).completion()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);

      Node from = n1;
      Eventually.await(Duration.ofSeconds(30), "n1 reaches n2 over TLS", () -> {
        try {
          return "pong".equals(from.vertx().eventBus().request("test.tls.ping", "ping",
              new DeliveryOptions().setSendTimeout(3000)).toCompletionStage().toCompletableFuture()
              .get(10, TimeUnit.SECONDS).body());
        } catch (ExecutionException e) {
          return false;
        }
      });

      member = Hazelcast.newHazelcastInstance(intruderConfig(kit, ports));
      EventBusOptions bus = new EventBusOptions().setHost("127.0.0.1").setSsl(true)
          .setKeyCertOptions(new PemKeyCertOptions().setCertPath(foreign.resolve("n1/node.pem").toString())
              .setKeyPath(foreign.resolve("n1/node-key.pem").toString()))
          .setTrustOptions(new PemTrustOptions().addCertPath(foreign.resolve("ca.pem").toString()))
          .setClientAuth(ClientAuth.REQUIRED);
      intruder = Vertx.builder().with(new VertxOptions().setEventBusOptions(bus))
          .withClusterManager(new HazelcastClusterManager(member)).buildClustered()
          .toCompletionStage().toCompletableFuture().get(60, TimeUnit.SECONDS);
      AtomicInteger stolen = new AtomicInteger();
      intruder.eventBus().consumer("test.tls.news", m -> stolen.incrementAndGet()).completion()
          .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      Node a = n1;
      Eventually.await(Duration.ofSeconds(30), "the intruder's subscription is known to n1",
          () -> a.cluster().hazelcast().getCluster().getMembers().size() == 3);
      // n2 keeps receiving n1's publications; the intruder, subscribed to the same address, gets none.
      int before = legit.get();
      Eventually.await(Duration.ofSeconds(30), "n2 received news", () -> {
        a.vertx().eventBus().publish("test.tls.news", "news");
        return legit.get() >= before + 5;
      });
      Vertx x = intruder;
      boolean answered;
      try {
        x.eventBus().request("test.tls.ping", "ping", new DeliveryOptions().setSendTimeout(5000))
            .toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
        answered = true;
      } catch (ExecutionException e) {
        answered = false;
      }
      assertTrue(!answered, "a node answered a peer whose certificate another CA signed");
      assertEquals(0, stolen.get(), "the foreign peer received publications of the cluster");
    } finally {
      if (intruder != null) {
        intruder.close().toCompletionStage().toCompletableFuture().get(30, TimeUnit.SECONDS);
      }
      if (member != null) {
        member.getLifecycleService().terminate();
      }
      TestKit.close(n1);
      TestKit.close(n2);
    }
  }

  private static Path write(Path dir, BusCertificates.Provisioned p, List<String> nodes) throws Exception {
    Files.createDirectories(dir);
    Files.writeString(dir.resolve("ca.pem"), p.caCertificate());
    for (String n : nodes) {
      Files.createDirectories(dir.resolve(n));
      Files.writeString(dir.resolve(n).resolve("node.pem"), p.nodes().get(n).certificateChain());
      Files.writeString(dir.resolve(n).resolve("node-key.pem"), p.nodes().get(n).privateKey());
    }
    return dir;
  }

  /** A plain Hazelcast member that joins the cluster (it has our jar's serializers, as an attacker would). */
  static Config intruderConfig(TestKit kit, List<Integer> ports) throws Exception {
    Config cfg = new Config().setClusterName(kit.clusterName).setInstanceName("intruder-" + kit.clusterName);
    cfg.setProperty("hazelcast.logging.type", "slf4j");
    cfg.setProperty("hazelcast.phone.home.enabled", "false");
    cfg.setProperty("hazelcast.shutdownhook.enabled", "false");
    cfg.getNetworkConfig().setPort(TestKit.freePort()).setPortAutoIncrement(false);
    JoinConfig join = cfg.getNetworkConfig().getJoin();
    join.getMulticastConfig().setEnabled(false);
    join.getAutoDetectionConfig().setEnabled(false);
    for (int p : ports) {
      join.getTcpIpConfig().setEnabled(true).addMember("127.0.0.1:" + p);
    }
    cfg.getMemberAttributeConfig().setAttribute("__vertx.nodeId", "intruder");
    java.lang.reflect.Constructor<?> factory = Class.forName("dev.ephyr.cluster.ClusterSerializableFactory")
        .getDeclaredConstructor();
    factory.setAccessible(true);
    cfg.getSerializationConfig().addDataSerializableFactory(7_310_001,
        (com.hazelcast.nio.serialization.DataSerializableFactory) factory.newInstance());
    return cfg;
  }
}
