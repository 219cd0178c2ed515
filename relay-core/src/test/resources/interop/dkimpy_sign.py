#!/usr/bin/python3
"""Sign a message read from stdin with dkimpy (RFC 6376 section 5, RFC 8463) and write the signed message.

Output: the DKIM-Signature header field dkimpy produced, then the input bytes unchanged.

Keys: --algorithm rsa-sha256 takes a PEM RSA key (PKCS#1 or PKCS#8). --algorithm ed25519-sha256 takes a
PEM PKCS#8 Ed25519 key ("BEGIN PRIVATE KEY") or a file holding the base64 32-byte seed (RFC 8032), which
is what dkimpy itself expects.

Exit status: 0 on success, 1 when dkimpy refuses to sign, 2 on a usage error.
"""

import argparse
import base64
import re
import sys
import types

# Keep dkimpy off the network and fast to start: the DNS plug-in (dnspython) is replaced before dkim is
# imported, so every key comes from the dnsfunc given to verify() and a real lookup fails loudly.
_offline_dns = types.ModuleType("dkim.dnsplug")


def _no_dns_lookup(name, timeout=5):
    raise RuntimeError("DNS lookups are disabled in this test harness (%r)" % (name,))


_offline_dns.get_txt = _no_dns_lookup
sys.modules["dkim.dnsplug"] = _offline_dns

import dkim  # noqa: E402 - must follow the DNS plug-in replacement

# DER prefix of a PKCS#8 PrivateKeyInfo holding an Ed25519 key (RFC 8410 section 7): the seed follows.
ED25519_PKCS8_PREFIX = bytes.fromhex("302e020100300506032b657004220420")
PEM_BLOCK = re.compile(rb"-----BEGIN ([A-Z0-9 ]+)-----(.*?)-----END \1-----", re.DOTALL)


def read_ed25519_seed(data):
    """Returns the base64 32-byte seed dkimpy expects, from a PKCS#8 PEM or a base64 seed file."""
    block = PEM_BLOCK.search(data)
    if block is not None:
        if block.group(1) != b"PRIVATE KEY":
            raise ValueError("Ed25519 key must be PEM PKCS#8 (BEGIN PRIVATE KEY), got BEGIN %s"
                             % block.group(1).decode("ascii"))
        der = base64.b64decode(b"".join(block.group(2).split()))
        if len(der) != len(ED25519_PKCS8_PREFIX) + 32 or not der.startswith(ED25519_PKCS8_PREFIX):
            raise ValueError("PEM PKCS#8 key is not a plain Ed25519 private key (RFC 8410)")
        seed = der[len(ED25519_PKCS8_PREFIX):]
    else:
        seed = base64.b64decode(b"".join(data.split()), validate=True)
        if len(seed) != 32:
            raise ValueError("Ed25519 seed must be 32 bytes, got %d" % len(seed))
    return base64.b64encode(seed)


def read_rsa_pem(data):
    """dkimpy finds the PEM body with a LF-only pattern, so CRLF key files are normalized."""
    return data.replace(b"\r\n", b"\n")


def main(argv):
    parser = argparse.ArgumentParser(description="Sign a message with dkimpy.")
    parser.add_argument("--selector", required=True)
    parser.add_argument("--domain", required=True)
    parser.add_argument("--key", required=True, help="private key file (see module doc)")
    parser.add_argument("--algorithm", default="rsa-sha256", choices=["rsa-sha256", "ed25519-sha256"])
    parser.add_argument("--canon", default="relaxed/relaxed",
                        help="header/body canonicalization, e.g. relaxed/simple (body defaults to simple)")
    parser.add_argument("--headers", default=None,
                        help="comma-separated h= list (repeat a name to oversign); default: dkimpy's choice")
    parser.add_argument("--identity", default=None, help="i= value (default @domain)")
    args = parser.parse_args(argv)

    with open(args.key, "rb") as handle:
        key_data = handle.read()
    try:
        if args.algorithm == "ed25519-sha256":
            private_key = read_ed25519_seed(key_data)
        else:
            private_key = read_rsa_pem(key_data)
    except ValueError as error:
        print("key %s: %s" % (args.key, error), file=sys.stderr)
        return 2

    canon = tuple(part.strip().encode("ascii") for part in args.canon.split("/"))
    if not 1 <= len(canon) <= 2:
        print("--canon: expected header[/body], got %s" % args.canon, file=sys.stderr)
        return 2
    include_headers = None
    if args.headers:
        include_headers = [name.strip().encode("ascii") for name in args.headers.split(",") if name.strip()]
    identity = args.identity.encode("ascii") if args.identity else None

    message = sys.stdin.buffer.read()
    try:
        signer = dkim.DKIM(message, signature_algorithm=args.algorithm.encode("ascii"))
        header = signer.sign(args.selector.encode("ascii"), args.domain.encode("ascii"), private_key,
                             identity=identity, canonicalize=canon, include_headers=include_headers)
    except dkim.DKIMException as error:
        print("dkimpy refused to sign: %s: %s" % (type(error).__name__, error), file=sys.stderr)
        return 1
    out = sys.stdout.buffer
    out.write(header)
    out.write(message)
    out.flush()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
