package dev.ephyr.broker.bus;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.security.GeneralSecurityException;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.PrivateKey;
import java.security.SecureRandom;
import java.security.Signature;
import java.security.spec.ECGenParameterSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;
import org.bouncycastle.asn1.ASN1EncodableVector;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.ASN1Integer;
import org.bouncycastle.asn1.DERBitString;
import org.bouncycastle.asn1.DERSequence;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.ExtendedKeyUsage;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.ExtensionsGenerator;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyPurposeId;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.asn1.x509.TBSCertificate;
import org.bouncycastle.asn1.x509.Time;
import org.bouncycastle.asn1.x509.V3TBSCertificateGenerator;
import org.bouncycastle.asn1.x9.X9ObjectIdentifiers;

/**
 * A small private CA for the event bus between nodes: one CA certificate and, per node, a certificate (both
 * server and client use, since every node dials and accepts) signed by it. ECDSA P-256, built with
 * BouncyCastle's ASN.1 classes and signed by the JDK. The CA's private key is used once and never written:
 * adding a node later means provisioning the cluster again (a homelab-sized cluster has few nodes).
 */
public final class BusCertificates {
  /** Node names: DNS labels or IP literals, as they will appear in the certificate. */
  static final Pattern NODE_NAME = Pattern.compile("[A-Za-z0-9]([A-Za-z0-9.-]{0,61}[A-Za-z0-9])?|[0-9a-fA-F:.]{2,45}");
  static final int MAX_NODES = 64;

  private BusCertificates() {}

  /**
   * PEM text of what was made.
   *
   * @param caCertificate the CA certificate (every node trusts it)
   * @param nodes per node name: its certificate chain (node, then CA) and its PKCS#8 private key
   */
  public record Provisioned(String caCertificate, Map<String, NodeFiles> nodes) {}

  /** One node's PEM files; {@code toString} leaves the key out. */
  public record NodeFiles(String certificateChain, String privateKey) {
    @Override
    public String toString() {
      return "NodeFiles[certificate, key redacted]";
    }
  }

  /** Makes a CA named {@code caName} and a certificate for each of {@code nodeNames}, valid for {@code validity}. */
  public static Provisioned provision(String caName, List<String> nodeNames, Duration validity, SecureRandom random) {
    if (nodeNames.isEmpty() || nodeNames.size() > MAX_NODES) {
      throw new IllegalArgumentException("between 1 and " + MAX_NODES + " node names are needed");
    }
    for (String n : nodeNames) {
      if (!NODE_NAME.matcher(n).matches()) {
        throw new IllegalArgumentException("'" + n + "' is not a host name or IP address");
      }
    }
    if (validity.isNegative() || validity.isZero() || validity.compareTo(Duration.ofDays(3650)) > 0) {
      throw new IllegalArgumentException("validity must be between 1 second and 3650 days");
    }
    try {
      Instant from = Instant.now().minusSeconds(300); // tolerate small clock differences between nodes
      Instant until = from.plus(validity);
      KeyPair ca = keyPair(random);
      X500Name caSubject = new X500Name("CN=" + caName);
      byte[] caCert = sign(ca.getPrivate(), tbs(random, caSubject, caSubject, ca, from, until, caExtensions()));
      Map<String, NodeFiles> nodes = new LinkedHashMap<>();
      for (String n : nodeNames) {
        KeyPair kp = keyPair(random);
        byte[] cert = sign(ca.getPrivate(), tbs(random, caSubject, new X500Name("CN=" + n), kp, from, until,
            nodeExtensions(n)));
        nodes.put(n, new NodeFiles(pem("CERTIFICATE", cert) + pem("CERTIFICATE", caCert),
            pem("PRIVATE KEY", kp.getPrivate().getEncoded())));
      }
      return new Provisioned(pem("CERTIFICATE", caCert), nodes);
    } catch (GeneralSecurityException | IOException e) {
      throw new IllegalStateException("cannot make certificates: " + e.getMessage(), e);
    }
  }

  private static KeyPair keyPair(SecureRandom random) throws GeneralSecurityException {
    KeyPairGenerator g = KeyPairGenerator.getInstance("EC");
    g.initialize(new ECGenParameterSpec("secp256r1"), random);
    return g.generateKeyPair();
  }

  private static ExtensionsGenerator caExtensions() throws IOException {
    ExtensionsGenerator x = new ExtensionsGenerator();
    x.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
    x.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
    return x;
  }

  private static ExtensionsGenerator nodeExtensions(String name) throws IOException {
    ExtensionsGenerator x = new ExtensionsGenerator();
    x.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
    x.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.digitalSignature));
    x.addExtension(Extension.extendedKeyUsage, false, new ExtendedKeyUsage(
        new KeyPurposeId[] {KeyPurposeId.id_kp_serverAuth, KeyPurposeId.id_kp_clientAuth}));
    List<GeneralName> sans = new ArrayList<>();
    sans.add(isIp(name) ? new GeneralName(GeneralName.iPAddress, name) : new GeneralName(GeneralName.dNSName, name));
    x.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(sans.toArray(new GeneralName[0])));
    return x;
  }

  private static boolean isIp(String name) {
    if (!name.matches("[0-9.]+|[0-9a-fA-F:]*:[0-9a-fA-F:.]*")) {
      return false;
    }
    try {
      InetAddress.getByName(name); // a literal: no lookup happens
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static TBSCertificate tbs(SecureRandom random, X500Name issuer, X500Name subject, KeyPair subjectKey,
      Instant from, Instant until, ExtensionsGenerator extensions) {
    V3TBSCertificateGenerator g = new V3TBSCertificateGenerator();
    g.setSerialNumber(new ASN1Integer(new BigInteger(127, random).add(BigInteger.ONE)));
    g.setSignature(ecdsaSha256());
    g.setIssuer(issuer);
    g.setSubject(subject);
    g.setStartDate(new Time(Date.from(from)));
    g.setEndDate(new Time(Date.from(until)));
    g.setSubjectPublicKeyInfo(SubjectPublicKeyInfo.getInstance(subjectKey.getPublic().getEncoded()));
    g.setExtensions(extensions.generate());
    return g.generateTBSCertificate();
  }

  private static AlgorithmIdentifier ecdsaSha256() {
    return new AlgorithmIdentifier(X9ObjectIdentifiers.ecdsa_with_SHA256);
  }

  private static byte[] sign(PrivateKey key, TBSCertificate tbs) throws GeneralSecurityException, IOException {
    Signature s = Signature.getInstance("SHA256withECDSA");
    s.initSign(key);
    s.update(tbs.getEncoded(ASN1Encoding.DER));
    ASN1EncodableVector v = new ASN1EncodableVector();
    v.add(tbs);
    v.add(ecdsaSha256());
    v.add(new DERBitString(s.sign()));
    return new DERSequence(v).getEncoded(ASN1Encoding.DER);
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN " + type + "-----\n" + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END " + type + "-----\n";
  }
}
