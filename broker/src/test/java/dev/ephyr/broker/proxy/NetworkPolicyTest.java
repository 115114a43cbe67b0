package dev.ephyr.broker.proxy;

import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.net.InetAddress;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class NetworkPolicyTest {

  private static String check(String literal, boolean allowPrivate) throws Exception {
    return NetworkPolicy.check(InetAddress.getByName(literal), allowPrivate);
  }

  @ParameterizedTest
  @ValueSource(strings = {"127.0.0.1", "127.1", "2130706433", "127.255.255.254", "::1", "::ffff:127.0.0.1",
      "::127.0.0.1", "64:ff9b::7f00:1", "2002:7f00:1::", "10.1.2.3", "172.16.0.1", "172.31.255.255", "192.168.1.1",
      "169.254.1.1", "fe80::1", "fc00::1", "fd12:3456::1", "100.64.0.1", "::ffff:10.0.0.1", "fec0::1",
      "192.0.0.8"})
  void privateAddressesNeedAllowPrivate(String a) throws Exception {
    assertNotNull(check(a, false), a);
    assertNull(check(a, true), a);
  }

  @ParameterizedTest
  @ValueSource(strings = {"169.254.169.254", "::ffff:169.254.169.254", "169.254.170.2", "100.100.100.200",
      "fd00:ec2::254", "0.0.0.0", "0.1.2.3", "::", "224.0.0.1", "255.255.255.255", "240.0.0.1", "ff02::1",
      "198.18.0.1", "64:ff9b::a9fe:a9fe"})
  void metadataUnspecifiedAndMulticastAreAlwaysRefused(String a) throws Exception {
    assertNotNull(check(a, false), a);
    assertNotNull(check(a, true), a);
  }

  @ParameterizedTest
  @ValueSource(strings = {"93.184.216.34", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111",
      "::ffff:8.8.8.8", "100.128.0.1"})
  void publicAddressesPass(String a) throws Exception {
    assertNull(check(a, false), a);
  }
}
