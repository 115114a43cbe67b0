package dev.ephyr.protocol.macaroon;

import dev.ephyr.protocol.internal.Base64Url;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;

/**
 * An immutable libmacaroons V2 macaroon with first-party caveats only: an optional location (a hint, not
 * signed), an identifier, caveat identifiers in order, and a 32-byte signature.
 *
 * <p>Holding a macaroon is holding its authority: the signature is what lets anyone append caveats, so
 * {@link #toString()} never shows it.
 */
public final class Macaroon {
  /** Prefix of the text form. */
  public static final String TEXT_PREFIX = "mac_";

  private final byte[] location; // null when absent
  private final byte[] identifier;
  private final List<byte[]> caveats; // unmodifiable; arrays never handed out
  private final byte[] signature;

  Macaroon(byte[] location, byte[] identifier, List<byte[]> caveats, byte[] signature) {
    this.location = location;
    this.identifier = identifier;
    this.caveats = caveats;
    this.signature = signature;
  }

  /** A new macaroon with no caveats, signed with {@code key}. */
  public static Macaroon create(String location, byte[] identifier, RootKey key) {
    checkField("identifier", identifier, MacaroonV2.MAX_IDENTIFIER_BYTES);
    byte[] loc = location == null || location.isEmpty() ? null : location.getBytes(StandardCharsets.UTF_8);
    if (loc != null) {
      checkField("location", loc, MacaroonV2.MAX_LOCATION_BYTES);
    }
    return new Macaroon(
        loc, identifier.clone(), List.of(), MacaroonChain.rootSignature(key, identifier));
  }

  /** This macaroon with one more first-party caveat; needs no key. */
  public Macaroon withCaveat(byte[] caveat) {
    checkField("caveat", caveat, MacaroonV2.MAX_CAVEAT_BYTES);
    if (caveats.size() >= MacaroonV2.MAX_CAVEATS) {
      throw new IllegalArgumentException("a macaroon holds at most " + MacaroonV2.MAX_CAVEATS + " caveats");
    }
    byte[] copy = caveat.clone();
    List<byte[]> next = new ArrayList<>(caveats.size() + 1);
    next.addAll(caveats);
    next.add(copy);
    return new Macaroon(location, identifier, Collections.unmodifiableList(next),
        MacaroonChain.append(signature, copy));
  }

  /** This macaroon with one more first-party caveat given as UTF-8 text. */
  public Macaroon withCaveat(String caveat) {
    return withCaveat(caveat.getBytes(StandardCharsets.UTF_8));
  }

  /**
   * A macaroon with these exact parts; the caller vouches for the signature (used by minting code that
   * computed it, and by tests building hostile tokens).
   */
  public static Macaroon of(String location, byte[] identifier, List<byte[]> caveats, byte[] signature) {
    checkField("identifier", identifier, MacaroonV2.MAX_IDENTIFIER_BYTES);
    if (signature == null || signature.length != MacaroonV2.SIGNATURE_BYTES) {
      throw new IllegalArgumentException("signature must be 32 bytes");
    }
    if (caveats.size() > MacaroonV2.MAX_CAVEATS) {
      throw new IllegalArgumentException("too many caveats");
    }
    List<byte[]> copies = new ArrayList<>(caveats.size());
    for (byte[] c : caveats) {
      checkField("caveat", c, MacaroonV2.MAX_CAVEAT_BYTES);
      copies.add(c.clone());
    }
    byte[] loc = location == null || location.isEmpty() ? null : location.getBytes(StandardCharsets.UTF_8);
    return new Macaroon(loc, identifier.clone(), Collections.unmodifiableList(copies), signature.clone());
  }

  private static void checkField(String what, byte[] value, int max) {
    if (value == null || value.length == 0) {
      throw new IllegalArgumentException(what + " must not be empty");
    }
    if (value.length > max) {
      throw new IllegalArgumentException(what + " is longer than " + max + " bytes");
    }
  }

  /** The location hint, or {@code null}. Not covered by the signature. */
  public String location() {
    return location == null ? null : new String(location, StandardCharsets.UTF_8);
  }

  /** A copy of the identifier bytes. */
  public byte[] identifier() {
    return identifier.clone();
  }

  /** The identifier decoded as UTF-8 (malformed sequences replaced). */
  public String identifierText() {
    return new String(identifier, StandardCharsets.UTF_8);
  }

  /** Number of caveats. */
  public int caveatCount() {
    return caveats.size();
  }

  /** A copy of caveat {@code i}'s identifier bytes. */
  public byte[] caveat(int i) {
    return caveats.get(i).clone();
  }

  /** Caveat {@code i} decoded as UTF-8 (malformed sequences replaced). */
  public String caveatText(int i) {
    return new String(caveats.get(i), StandardCharsets.UTF_8);
  }

  /** A copy of the 32-byte signature. */
  public byte[] signature() {
    return signature.clone();
  }

  /** Whether {@code candidate} equals this signature, compared in constant time. */
  public boolean signatureEquals(byte[] candidate) {
    return MessageDigest.isEqual(signature, candidate);
  }

  byte[] locationBytes() {
    return location;
  }

  byte[] identifierBytes() {
    return identifier;
  }

  List<byte[]> caveatBytes() {
    return caveats;
  }

  byte[] signatureBytes() {
    return signature;
  }

  /** The V2 binary encoding. */
  public byte[] toBinary() {
    return MacaroonV2.serialize(this);
  }

  /** The canonical text form: {@code mac_} + base64url without padding of the V2 binary. */
  public String toText() {
    return TEXT_PREFIX + Base64Url.encode(toBinary());
  }

  /** Parses the text form; see {@link MacaroonText#parse}. */
  public static Macaroon parseText(CharSequence text) throws MacaroonFormatException {
    return MacaroonText.parse(text);
  }

  /**
   * Parses text known to be well formed (a token this process just minted); a malformed text is a bug
   * here, reported as {@link IllegalArgumentException}.
   */
  public static Macaroon parseTextUnchecked(CharSequence text) {
    try {
      return MacaroonText.parse(text);
    } catch (MacaroonFormatException e) {
      throw new IllegalArgumentException("not a macaroon: " + e.getMessage(), e);
    }
  }

  /** Parses the V2 binary form; see {@link MacaroonV2#parse}. */
  public static Macaroon parseBinary(byte[] bytes) throws MacaroonFormatException {
    return MacaroonV2.parse(bytes, 0, bytes.length);
  }

  /** Structural equality including the signature (constant-time on the signature). */
  public boolean sameAs(Macaroon other) {
    if (!Arrays.equals(location, other.location) || !Arrays.equals(identifier, other.identifier)
        || caveats.size() != other.caveats.size()) {
      return false;
    }
    for (int i = 0; i < caveats.size(); i++) {
      if (!Arrays.equals(caveats.get(i), other.caveats.get(i))) {
        return false;
      }
    }
    return MessageDigest.isEqual(signature, other.signature);
  }

  @Override
  public String toString() {
    return "Macaroon[id=" + identifierText() + ", caveats=" + caveats.size() + ", signature=redacted]";
  }
}
