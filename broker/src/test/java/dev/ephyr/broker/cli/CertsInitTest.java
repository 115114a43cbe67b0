package dev.ephyr.broker.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.cert.CertificateFactory;
import java.security.cert.X509Certificate;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code ephyr certs init}: a CA and node certificates the JDK accepts, keys private, bad input refused. */
class CertsInitTest {
  @TempDir
  Path dir;

  @Test
  void makesACaAndNodeCertificatesSignedByIt() throws Exception {
    CliHarness.Result r = new CliHarness(dir).run("certs", "init", "--out", "certs", "--nodes", "n1,10.0.0.7");
    assertEquals(0, r.code(), r.err());
    Path certs = dir.resolve("certs");
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    X509Certificate ca;
    try (InputStream in = Files.newInputStream(certs.resolve("ca.pem"))) {
      ca = (X509Certificate) cf.generateCertificate(in);
    }
    ca.verify(ca.getPublicKey());
    assertTrue(ca.getBasicConstraints() >= 0, "the CA certificate is a CA");
    for (String n : List.of("n1", "10.0.0.7")) {
      List<X509Certificate> chain = new ArrayList<>();
      try (InputStream in = Files.newInputStream(certs.resolve(n).resolve("node.pem"))) {
        cf.generateCertificates(in).forEach(c -> chain.add((X509Certificate) c));
      }
      assertEquals(2, chain.size());
      chain.get(0).verify(ca.getPublicKey());
      chain.get(0).checkValidity();
      assertEquals(-1, chain.get(0).getBasicConstraints(), "a node certificate is no CA");
      assertTrue(chain.get(0).getExtendedKeyUsage().containsAll(List.of("1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2")));
      assertTrue(String.valueOf(chain.get(0).getSubjectAlternativeNames()).contains(n));
      Path key = certs.resolve(n).resolve("node-key.pem");
      assertTrue(Files.readString(key).startsWith("-----BEGIN PRIVATE KEY-----"));
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(key)));
    }
    assertTrue(!r.out().contains("PRIVATE KEY"), "no key is printed");
  }

  @Test
  void refusesBadNamesAndOverwriting() {
    CliHarness h = new CliHarness(dir);
    assertEquals(2, h.run("certs", "init", "--out", "c", "--nodes", "bad name!").code());
    assertEquals(2, h.run("certs", "init", "--out", "c").code());
    assertEquals(2, h.run("certs", "init", "--out", "c", "--nodes", "n1", "--days", "0").code());
    assertEquals(0, h.run("certs", "init", "--out", "c", "--nodes", "n1").code());
    CliHarness.Result again = h.run("certs", "init", "--out", "c", "--nodes", "n1");
    assertTrue(again.code() != 0 && again.err().contains("already exists"), again.err());
    assertEquals(0, h.run("certs", "init", "--out", "c", "--nodes", "n1", "--force").code());
  }
}
