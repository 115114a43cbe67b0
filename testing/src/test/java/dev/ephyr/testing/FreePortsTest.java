package dev.ephyr.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  void portsAreDistinct_belowTheEphemeralRange_andBindable() throws Exception {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 200; i++) {
      int port = FreePorts.next();
      assertTrue(seen.add(port), "handed out twice: " + port);
      assertTrue(FreePorts.ephemeralStart() > 1_024, "ephemeral range not read: " + FreePorts.ephemeralStart());
      assertTrue(port >= 20_000 && port < FreePorts.ephemeralStart(), "outside 20000..ephemeral start: " + port);
    }
    int port = FreePorts.next();
    try (ServerSocket s = new ServerSocket()) {
      s.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      assertEquals(port, s.getLocalPort());
    }
  }

  @Test
  void aRun_isConsecutive_andNeverOverlapsWhatWasHandedOut() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 50; i++) {
      int base = FreePorts.run(3);
      for (int p = base; p < base + 3; p++) {
        assertTrue(seen.add(p), "handed out twice: " + p);
      }
      assertTrue(base + 2 < FreePorts.ephemeralStart(), "run reaches the ephemeral range: " + base);
    }
  }
}
