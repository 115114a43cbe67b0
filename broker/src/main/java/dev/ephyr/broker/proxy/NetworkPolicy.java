package dev.ephyr.broker.proxy;

import java.net.InetAddress;

/**
 * Which resolved addresses the proxy may connect to. Always refused: the unspecified address
 * ({@code 0.0.0.0}, {@code ::} — on Linux they reach the local host), multicast and broadcast, reserved
 * space, and the cloud metadata endpoints ({@code 169.254.169.254}, {@code 169.254.170.2},
 * {@code 100.100.100.200}, {@code fd00:ec2::254}) — no credential ever needs to go there. Refused unless the
 * service says {@code allow_private}: loopback, link-local, RFC 1918 and shared (CGNAT) space, IPv6
 * unique-local and site-local. IPv4 addresses embedded in IPv6 (mapped {@code ::ffff:a.b.c.d}, compatible
 * {@code ::a.b.c.d}, NAT64 {@code 64:ff9b::/96}, 6to4 {@code 2002::/16}) are judged as the IPv4 address.
 */
public final class NetworkPolicy {
  private NetworkPolicy() {}

  /** Why {@code address} is refused, or {@code null} when it may be used. */
  public static String check(InetAddress address, boolean allowPrivate) {
    byte[] b = address.getAddress();
    if (b.length == 16) {
      byte[] v4 = embeddedV4(b);
      if (v4 != null) {
        String why = checkV4(v4, allowPrivate);
        return why == null ? null : why + " (IPv4 inside IPv6)";
      }
      return checkV6(b, allowPrivate);
    }
    return checkV4(b, allowPrivate);
  }

  private static String checkV4(byte[] b, boolean allowPrivate) {
    int a0 = b[0] & 0xff;
    int a1 = b[1] & 0xff;
    int a2 = b[2] & 0xff;
    int a3 = b[3] & 0xff;
    if ((a0 == 169 && a1 == 254 && a2 == 169 && a3 == 254) || (a0 == 169 && a1 == 254 && a2 == 170 && a3 == 2)
        || (a0 == 100 && a1 == 100 && a2 == 100 && a3 == 200)) {
      return "a cloud metadata address";
    }
    if (a0 == 0) {
      return "the unspecified/this-network range 0.0.0.0/8";
    }
    if (a0 >= 224) {
      return a0 < 240 ? "a multicast address" : "reserved or broadcast space 240.0.0.0/4";
    }
    if (a0 == 198 && (a1 & 0xfe) == 18) {
      return "benchmarking space 198.18.0.0/15";
    }
    if (allowPrivate) {
      return null;
    }
    if (a0 == 127) {
      return "a loopback address";
    }
    if (a0 == 169 && a1 == 254) {
      return "a link-local address";
    }
    if (a0 == 10 || (a0 == 172 && (a1 & 0xf0) == 16) || (a0 == 192 && a1 == 168)) {
      return "a private (RFC 1918) address";
    }
    if (a0 == 100 && (a1 & 0xc0) == 64) {
      return "shared address space 100.64.0.0/10";
    }
    if (a0 == 192 && a1 == 0 && a2 == 0) {
      return "IETF protocol space 192.0.0.0/24";
    }
    return null;
  }

  private static String checkV6(byte[] b, boolean allowPrivate) {
    boolean zeroPrefix = true;
    for (int i = 0; i < 15; i++) {
      zeroPrefix &= b[i] == 0;
    }
    if (zeroPrefix && b[15] == 0) {
      return "the unspecified address ::";
    }
    if ((b[0] & 0xff) == 0xff) {
      return "a multicast address";
    }
    if ((b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2 && isTail254(b)) {
      return "a cloud metadata address";
    }
    if (allowPrivate) {
      return null;
    }
    if (zeroPrefix && b[15] == 1) {
      return "a loopback address";
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0x80) {
      return "a link-local address";
    }
    if ((b[0] & 0xff) == 0xfe && (b[1] & 0xc0) == 0xc0) {
      return "a site-local address";
    }
    if ((b[0] & 0xfe) == 0xfc) {
      return "a unique-local (private) address";
    }
    return null;
  }

  private static boolean isTail254(byte[] b) {
    for (int i = 4; i < 14; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return b[14] == 0x02 && b[15] == 0x54; // ::254 in hex notation
  }

  /** The IPv4 address an IPv6 address carries by a standard embedding, or {@code null}. */
  private static byte[] embeddedV4(byte[] b) {
    boolean first10Zero = true;
    for (int i = 0; i < 10; i++) {
      first10Zero &= b[i] == 0;
    }
    if (first10Zero && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff) {
      return new byte[] {b[12], b[13], b[14], b[15]}; // ::ffff:a.b.c.d, mapped
    }
    if (first10Zero && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0 && (b[15] & 0xfe) == 0)) {
      return new byte[] {b[12], b[13], b[14], b[15]}; // ::a.b.c.d, compatible (deprecated, still routable here)
    }
    if (b[0] == 0 && b[1] == 0x64 && (b[2] & 0xff) == 0xff && (b[3] & 0xff) == 0x9b) {
      boolean mid = true;
      for (int i = 4; i < 12; i++) {
        mid &= b[i] == 0;
      }
      if (mid) {
        return new byte[] {b[12], b[13], b[14], b[15]}; // 64:ff9b::/96, NAT64
      }
    }
    if (b[0] == 0x20 && b[1] == 0x02) {
      return new byte[] {b[2], b[3], b[4], b[5]}; // 2002::/16, 6to4
    }
    return null;
  }
}
