package dev.ephyr.broker;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A loopback TCP relay to one port that records every byte clients send: what an attacker on the path
 * between a client and a node would capture. {@link #requests()} parses the recording into HTTP requests.
 */
final class TcpTap implements AutoCloseable {
  /** One captured HTTP/1.1 request. */
  record Captured(String method, List<String[]> headers, byte[] body) {
    String header(String name) {
      for (String[] h : headers) {
        if (h[0].equalsIgnoreCase(name)) {
          return h[1];
        }
      }
      return null;
    }
  }

  private final ServerSocket server;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final List<ByteArrayOutputStream> recordings = new CopyOnWriteArrayList<>();
  private volatile int target;

  TcpTap() throws IOException {
    server = new ServerSocket();
    server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    Thread accept = new Thread(this::acceptLoop, "tcp-tap");
    accept.setDaemon(true);
    accept.start();
  }

  int port() {
    return server.getLocalPort();
  }

  void forwardTo(int port) {
    target = port;
  }

  private void acceptLoop() {
    while (!server.isClosed()) {
      try {
        Socket client = server.accept();
        Socket upstream = new Socket(InetAddress.getLoopbackAddress(), target);
        sockets.add(client);
        sockets.add(upstream);
        ByteArrayOutputStream rec = new ByteArrayOutputStream();
        recordings.add(rec);
        pump(client.getInputStream(), upstream.getOutputStream(), rec, client, upstream);
        pump(upstream.getInputStream(), client.getOutputStream(), null, client, upstream);
      } catch (IOException e) {
        // closed, or the upstream is gone: the client sees its connection close
      }
    }
  }

  private static void pump(InputStream in, OutputStream out, ByteArrayOutputStream rec, Socket a, Socket b) {
    Thread t = new Thread(() -> {
      byte[] buf = new byte[16384];
      try {
        int n;
        while ((n = in.read(buf)) != -1) {
          if (rec != null) {
            synchronized (rec) {
              rec.write(buf, 0, n);
            }
          }
          out.write(buf, 0, n);
          out.flush();
        }
      } catch (IOException ignored) {
        // one side closed
      }
      closeQuietly(a);
      closeQuietly(b);
    }, "tcp-tap-pump");
    t.setDaemon(true);
    t.start();
  }

  /** Every request clients sent so far, in order per connection. */
  List<Captured> requests() {
    List<Captured> out = new ArrayList<>();
    for (ByteArrayOutputStream rec : recordings) {
      byte[] all;
      synchronized (rec) {
        all = rec.toByteArray();
      }
      int pos = 0;
      while (pos < all.length) {
        int end = indexOf(all, pos);
        if (end < 0) {
          break;
        }
        String[] lines = new String(all, pos, end - pos, StandardCharsets.ISO_8859_1).split("\r\n");
        List<String[]> headers = new ArrayList<>();
        int length = 0;
        for (int i = 1; i < lines.length; i++) {
          int colon = lines[i].indexOf(':');
          String name = lines[i].substring(0, colon).trim();
          String value = lines[i].substring(colon + 1).trim();
          headers.add(new String[] {name, value});
          if (name.toLowerCase(Locale.ROOT).equals("content-length")) {
            length = Integer.parseInt(value);
          }
        }
        int bodyStart = end + 4;
        if (bodyStart + length > all.length) {
          break;
        }
        byte[] body = java.util.Arrays.copyOfRange(all, bodyStart, bodyStart + length);
        out.add(new Captured(lines[0].split(" ")[0], headers, body));
        pos = bodyStart + length;
      }
    }
    return out;
  }

  private static int indexOf(byte[] a, int from) {
    for (int i = from; i + 3 < a.length; i++) {
      if (a[i] == '\r' && a[i + 1] == '\n' && a[i + 2] == '\r' && a[i + 3] == '\n') {
        return i;
      }
    }
    return -1;
  }

  private static void closeQuietly(Socket s) {
    try {
      s.close();
    } catch (IOException ignored) {
      // already closed
    }
  }

  /** Stops listening and cuts every relayed connection. */
  @Override
  public void close() {
    try {
      server.close();
    } catch (IOException ignored) {
      // already closed
    }
    for (Socket s : sockets) {
      closeQuietly(s);
    }
  }
}
