package dev.ephyr.load;

import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import org.h2.mvstore.MVMap;
import org.h2.mvstore.MVStore;

/**
 * What one durable write costs on this disk, by mechanism: an MVStore commit and sync of one tiny put, against
 * a raw 4 KiB append with {@code fsync} / {@code fdatasync}. The reason the state store journals its writes.
 *
 * <p>Usage: {@code java -cp CLASSPATH dev.ephyr.load.MvStoreProbe NEW_FILE}; the file and {@code NEW_FILE.raw}
 * are deleted afterwards.
 */
public final class MvStoreProbe {
  private static final int WARMUP = 300;
  private static final int N = 2_000;

  private MvStoreProbe() {}

  public static void main(String[] args) throws Exception {
    Path f = Path.of(args[0]);
    if (Files.exists(f)) {
      throw new IllegalArgumentException(f + " exists; give a new file");
    }
    long[] commit = new long[N];
    long[] sync = new long[N];
    MVStore s = new MVStore.Builder().fileName(f.toString()).autoCommitDisabled().open();
    try {
      MVMap<String, long[]> m = s.openMap("w");
      for (int i = 0; i < WARMUP + N; i++) {
        m.put("task-" + i, new long[] {1, 2});
        long t0 = System.nanoTime();
        s.commit();
        long t1 = System.nanoTime();
        s.sync();
        long t2 = System.nanoTime();
        if (i >= WARMUP) {
          commit[i - WARMUP] = t1 - t0;
          sync[i - WARMUP] = t2 - t1;
        }
      }
    } finally {
      s.close();
    }
    print("mvstore commit", commit);
    print("mvstore sync", sync);
    System.out.printf("mvstore file %d bytes after %d one-entry commits%n", Files.size(f), WARMUP + N);
    Files.delete(f);
    Path raw = Path.of(args[0] + ".raw");
    long[] full = new long[N];
    long[] data = new long[N];
    try (FileChannel ch = FileChannel.open(raw, StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE)) {
      ByteBuffer b = ByteBuffer.allocate(4096);
      for (int i = 0; i < WARMUP + N; i++) {
        b.clear();
        long t0 = System.nanoTime();
        ch.write(b);
        ch.force(true);
        long t1 = System.nanoTime();
        b.clear();
        ch.write(b);
        ch.force(false);
        long t2 = System.nanoTime();
        if (i >= WARMUP) {
          full[i - WARMUP] = t1 - t0;
          data[i - WARMUP] = t2 - t1;
        }
      }
    } finally {
      Files.deleteIfExists(raw);
    }
    print("append + fsync", full);
    print("append + fdatasync", data);
  }

  private static void print(String what, long[] lat) {
    long[] c = lat.clone();
    Arrays.sort(c);
    System.out.printf("%-20s p50 %.3f p99 %.3f max %.3f ms%n", what, c[c.length / 2] / 1e6,
        c[(int) (c.length * 0.99)] / 1e6, c[c.length - 1] / 1e6);
  }
}
