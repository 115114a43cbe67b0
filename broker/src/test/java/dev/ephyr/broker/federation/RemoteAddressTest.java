package dev.ephyr.broker.federation;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.ephyr.broker.proxy.NetworkPolicy;
import java.net.InetAddress;
import org.junit.jupiter.api.Test;

/** The address rules remotes are held to: the proxy's {@link NetworkPolicy}, one policy for every outbound call. */
class RemoteAddressTest {
  private static InetAddress ip(String literal) throws Exception {
    return InetAddress.getByName(literal); // literals only: no lookup
  }

  @Test
  void privateRanges_refusedUnlessAllowed() throws Exception {
    for (String a : new String[] {"127.0.0.1", "127.8.9.10", "::1", "10.1.2.3", "172.16.0.1", "192.168.1.1",
        "169.254.10.10", "fe80::1", "fd12:3456::1", "100.64.0.1", "::ffff:127.0.0.1", "::127.0.0.1",
        "::ffff:10.0.0.1"}) {
      assertNotNull(NetworkPolicy.check(ip(a), false), a);
      assertNull(NetworkPolicy.check(ip(a), true), a);
    }
  }

  @Test
  void metadataUnspecifiedAndMulticast_refusedAlways() throws Exception {
    for (String a : new String[] {"169.254.169.254", "::ffff:169.254.169.254", "169.254.170.2", "100.100.100.200",
        "fd00:ec2::254", "0.0.0.0", "::", "224.0.0.1", "ff02::1"}) {
      assertNotNull(NetworkPolicy.check(ip(a), true), a);
    }
    assertTrue(NetworkPolicy.check(ip("169.254.169.254"), true).contains("metadata"));
  }

  @Test
  void publicAddresses_allowed() throws Exception {
    for (String a : new String[] {"93.184.216.34", "8.8.8.8", "2606:4700::1111", "172.32.0.1", "100.128.0.1"}) {
      assertNull(NetworkPolicy.check(ip(a), false), a);
    }
  }
}
