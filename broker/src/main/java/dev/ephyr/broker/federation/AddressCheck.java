package dev.ephyr.broker.federation;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;

/**
 * Which resolved addresses a remote MCP server may live at. Loopback, link-local, private, unspecified and
 * multicast addresses are refused unless the remote says {@code allow_private}; cloud metadata addresses
 * are refused always (no MCP server lives there, and they hand out credentials).
 *
 * <p>The proxy has a check of its own with the same intent; the two may be unified later.
 */
final class AddressCheck {
  private AddressCheck() {}

  /** Why {@code address} may not be contacted, or {@code null} when it may. */
  static String refusal(InetAddress address, boolean allowPrivate) {
    InetAddress a = unwrap(address);
    if (isMetadata(a)) {
      return "a cloud metadata address";
    }
    if (a.isAnyLocalAddress()) {
      return "an unspecified address";
    }
    if (a.isMulticastAddress()) {
      return "a multicast address";
    }
    if (allowPrivate) {
      return null;
    }
    if (a.isLoopbackAddress()) {
      return "a loopback address (set allow_private: true for a remote on this host)";
    }
    if (a.isLinkLocalAddress()) {
      return "a link-local address (set allow_private: true to allow it)";
    }
    if (a.isSiteLocalAddress() || isPrivateOther(a)) {
      return "a private address (set allow_private: true to allow it)";
    }
    return null;
  }

  /** IPv4 addresses written in IPv6 form ({@code ::a.b.c.d}, {@code ::ffff:a.b.c.d}) are judged as IPv4. */
  private static InetAddress unwrap(InetAddress a) {
    if (a instanceof Inet6Address six) {
      byte[] b = six.getAddress();
      boolean zeroPrefix = true;
      for (int i = 0; i < 10; i++) {
        zeroPrefix &= b[i] == 0;
      }
      boolean mapped = zeroPrefix && (b[10] & 0xff) == 0xff && (b[11] & 0xff) == 0xff;
      boolean compatible = zeroPrefix && b[10] == 0 && b[11] == 0 && !(b[12] == 0 && b[13] == 0 && b[14] == 0);
      if (mapped || compatible) {
        try {
          return InetAddress.getByAddress(new byte[] {b[12], b[13], b[14], b[15]});
        } catch (java.net.UnknownHostException e) {
          return a; // cannot happen for 4 bytes
        }
      }
    }
    return a;
  }

  private static boolean isMetadata(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet4Address) {
      int x0 = b[0] & 0xff;
      int x1 = b[1] & 0xff;
      int x2 = b[2] & 0xff;
      int x3 = b[3] & 0xff;
      return (x0 == 169 && x1 == 254 && x2 == 169 && x3 == 254) // AWS, GCP, Azure, OpenStack
          || (x0 == 169 && x1 == 254 && x2 == 170 && x3 == 2) // AWS ECS task metadata
          || (x0 == 100 && x1 == 100 && x2 == 100 && x3 == 200); // Alibaba Cloud
    }
    // fd00:ec2::254 (AWS over IPv6)
    return (b[0] & 0xff) == 0xfd && b[1] == 0 && (b[2] & 0xff) == 0x0e && (b[3] & 0xff) == 0xc2
        && allZero(b, 4, 14) && b[14] == 0x02 && (b[15] & 0xff) == 0x54;
  }

  /** Private ranges Java does not call site-local: IPv6 unique-local fc00::/7 and IPv4 shared 100.64/10. */
  private static boolean isPrivateOther(InetAddress a) {
    byte[] b = a.getAddress();
    if (a instanceof Inet6Address) {
      return (b[0] & 0xfe) == 0xfc;
    }
    return (b[0] & 0xff) == 100 && (b[1] & 0xc0) == 64;
  }

  private static boolean allZero(byte[] b, int from, int to) {
    for (int i = from; i < to; i++) {
      if (b[i] != 0) {
        return false;
      }
    }
    return true;
  }
}
