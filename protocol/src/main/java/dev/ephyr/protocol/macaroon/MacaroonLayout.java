package dev.ephyr.protocol.macaroon;

/**
 * Where the fields of a V2 macaroon sit in its encoding, filled by {@link MacaroonV2#scan}. Lets a hot
 * path walk a token without copying its fields. Mutable and reusable: keep one per thread.
 */
public final class MacaroonLayout {
  int locationOffset = -1;
  int locationLength;
  int identifierOffset;
  int identifierLength;
  int caveatCount;
  final int[] caveatOffsets = new int[MacaroonV2.MAX_CAVEATS];
  final int[] caveatLengths = new int[MacaroonV2.MAX_CAVEATS];
  int signatureOffset;

  /** An empty layout, to be filled by {@link MacaroonV2#scan}. */
  public MacaroonLayout() {}

  void reset() {
    locationOffset = -1;
    locationLength = 0;
    caveatCount = 0;
  }

  /** Offset of the identifier. */
  public int identifierOffset() {
    return identifierOffset;
  }

  /** Length of the identifier. */
  public int identifierLength() {
    return identifierLength;
  }

  /** Number of caveats. */
  public int caveatCount() {
    return caveatCount;
  }

  /** Offset of caveat {@code i}'s identifier. */
  public int caveatOffset(int i) {
    return caveatOffsets[i];
  }

  /** Length of caveat {@code i}'s identifier. */
  public int caveatLength(int i) {
    return caveatLengths[i];
  }

  /** Offset of the 32-byte signature. */
  public int signatureOffset() {
    return signatureOffset;
  }
}
