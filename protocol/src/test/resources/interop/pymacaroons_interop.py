#!/usr/bin/python3
"""Interop oracle: pymacaroons reads, verifies and attenuates an Ephyr token (libmacaroons V2 binary).

Usage: pymacaroons_interop.py ROOT_KEY_HEX [CAVEAT_TO_APPEND]   (token text on stdin, with or without mac_)
       pymacaroons_interop.py --readme                          (prints the README vector, V2 base64url)
Prints one 'key value' per line: location, identifier, caveat (repeated), verified (true/false) and,
when a caveat was given, token (the attenuated macaroon, V2 binary, base64url without padding).
Exit 0 on success (even when verification failed: 'verified false'), 1 on any error.
"""
import base64
import sys

from pymacaroons import Macaroon, Verifier, MACAROON_V2
from pymacaroons.serializers import BinarySerializer


def b64url_decode(text):
    text = text.strip()
    if text.startswith("mac_"):
        text = text[4:]
    text = text.replace("+", "-").replace("/", "_").rstrip("=")
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def text(value):
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def main(argv):
    if len(argv) == 2 and argv[1] == "--readme":
        m = Macaroon(location="http://www.example.org", identifier="we used our secret key",
                     key="this is our super secret key; only we should know it", version=MACAROON_V2)
        print("signature", m.signature)
        print("token", m.serialize(serializer=BinarySerializer()))
        m2 = Macaroon.deserialize(m.serialize(serializer=BinarySerializer()), serializer=BinarySerializer())
        m2.add_first_party_caveat("account = 3735928559")
        print("signature1", m2.signature)
        return 0
    key = bytes.fromhex(argv[1])
    raw = b64url_decode(sys.stdin.read())
    m = BinarySerializer().deserialize_raw(raw)
    print("location", text(m.location))
    print("identifier", text(m.identifier_bytes))
    for c in m.caveats:
        print("caveat", text(c.caveat_id_bytes))
    v = Verifier()
    v.satisfy_general(lambda predicate: True)
    try:
        ok = v.verify(m, key)
    except Exception as e:  # pymacaroons raises on a bad signature
        print("error", type(e).__name__, file=sys.stderr)
        ok = False
    print("verified", "true" if ok else "false")
    if len(argv) > 2:
        m.add_first_party_caveat(argv[2])
        print("token", m.serialize(serializer=BinarySerializer()).rstrip("="))
    return 0


if __name__ == "__main__":
    try:
        sys.exit(main(sys.argv))
    except Exception as e:
        print("failure", type(e).__name__, e, file=sys.stderr)
        sys.exit(1)
