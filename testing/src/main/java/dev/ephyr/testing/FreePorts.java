package dev.ephyr.testing;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Ports for a test to configure a server with before it starts (a node's HTTP or cluster port).
 *
 * <p>Taken from below the kernel's ephemeral range: a port the OS hands out for {@code bind(0)} comes from that
 * range, and so does the local port of every outgoing connection. Hazelcast members of one test connect to each
 * other while the next member is still starting, and one of those connections could take a port just picked for
 * that member — it then fails to bind and dies. Below the range, only another explicit bind can take it. Within this
 * JVM a port is never handed out twice.
 */
public final class FreePorts {
  private static final int LOW = 20_000;
  private static final Set<Integer> GIVEN = new HashSet<>();

  private FreePorts() {}

  /** A port that was free on loopback and on the wildcard address a moment ago, and not handed out before. */
  public static int next() {
    return run(1);
  }

  /**
   * The first of {@code n} consecutive ports, each as {@link #next()} gives them (for a command line that counts
   * ports up from a base, as {@code ephyr init} does).
   */
  public static synchronized int run(int n) {
    int high = Math.min(ephemeralStart(), 65_536) - n;
    if (high - LOW < 1_000) {
      high = 65_536 - n; // the range was moved down: fall back to anything free
    }
    for (int attempt = 0; attempt < 2_000; attempt++) {
      int base = ThreadLocalRandom.current().nextInt(LOW, high);
      boolean free = true;
      for (int p = base; p < base + n && free; p++) {
        free = !GIVEN.contains(p) && bindable(p);
      }
      if (free) {
        for (int p = base; p < base + n; p++) {
          GIVEN.add(p);
        }
        return base;
      }
    }
    throw new IllegalStateException("no " + n + " free ports in a row in " + LOW + ".." + (high - 1));
  }

  private static boolean bindable(int port) {
    for (InetAddress address : new InetAddress[] {InetAddress.getLoopbackAddress(), null}) {
      try (ServerSocket s = new ServerSocket()) {
        s.setReuseAddress(false);
        s.bind(address == null ? new InetSocketAddress(port) : new InetSocketAddress(address, port));
      } catch (IOException e) {
        return false;
      }
    }
    return true;
  }

  /** The first port of the kernel's ephemeral range (Linux), or 32768 where it cannot be read. */
  static int ephemeralStart() {
    try {
      // Not readString: it trusts the size procfs reports and reads a single byte.
      String range = Files.readAllLines(Path.of("/proc/sys/net/ipv4/ip_local_port_range")).get(0).trim();
      return Integer.parseInt(range.split("\\s+")[0]);
    } catch (IOException | RuntimeException e) {
      return 32_768;
    }
  }
}
