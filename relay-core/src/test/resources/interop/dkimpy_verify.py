#!/usr/bin/python3
"""Verify the DKIM signatures of a message read from stdin with dkimpy (RFC 6376 section 6, RFC 8463).

DNS is not used: TXT records come from a JSON key map given with --keys, for example
{"sel._domainkey.example.com.": "v=DKIM1; k=rsa; p=MIIB..."} (names match case-insensitively, with or
without the trailing dot).

Prints one line per verified signature, topmost first:
    <index> d=<domain> s=<selector> a=<algorithm> <pass|fail|error>[ <detail>]

Exit status: 0 when there is at least one signature and every verified signature passes, 1 when a
signature fails or cannot be evaluated, 3 when the message has no DKIM-Signature (or --index is out of
range), 2 on a usage error.
"""

import argparse
import json
import logging
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
from dkim.util import parse_tag_value  # noqa: E402

EXIT_PASS = 0
EXIT_FAIL = 1
EXIT_NO_SIGNATURE = 3


def normalize_name(name):
    if isinstance(name, (bytes, bytearray)):
        name = bytes(name).decode("ascii", "replace")
    return name.strip().rstrip(".").lower()


def load_key_map(path):
    with open(path, "rb") as handle:
        raw = json.loads(handle.read().decode("utf-8"))
    if not isinstance(raw, dict):
        raise ValueError("key map must be a JSON object of name -> TXT record")
    return {normalize_name(name): str(record) for name, record in raw.items()}


def make_dnsfunc(key_map):
    """Returns a dnsfunc for dkimpy; dkimpy versions pass the name as bytes or str and may pass timeout=."""

    def dnsfunc(name, *args, **kwargs):
        record = key_map.get(normalize_name(name))
        if record is None:
            return None
        return record.encode("utf-8")

    return dnsfunc


def signature_headers(message):
    headers, _ = dkim.rfc822_parse(message)
    return [value for name, value in headers if name.lower() == b"dkim-signature"]


def describe(header_value):
    try:
        tags = parse_tag_value(header_value)
    except Exception:  # noqa: BLE001 - an unparsable signature is reported, not raised
        return "?", "?", "?"

    def tag(key):
        value = tags.get(key)
        if value is None:
            return "?"
        return b"".join(value.split()).decode("ascii", "replace")

    return tag(b"d"), tag(b"s"), tag(b"a")


class CollectingHandler(logging.Handler):
    """Keeps the warnings and errors dkimpy logs while it verifies one signature (e.g. a missing key)."""

    def __init__(self):
        super().__init__(level=logging.WARNING)
        self.messages = []

    def emit(self, record):
        self.messages.append(record.getMessage())


def verify_one(message, index, dnsfunc):
    """Returns (result, detail) for the signature at index."""
    logger = logging.getLogger("dkimpy_verify.%d" % index)
    logger.propagate = False
    collected = CollectingHandler()
    logger.addHandler(collected)
    try:
        verifier = dkim.DKIM(message, logger=logger)
        if verifier.verify(idx=index, dnsfunc=dnsfunc):
            return "pass", ""
        reasons = "; ".join(collected.messages)
        return "fail", "signature did not verify" + (" (%s)" % reasons if reasons else "")
    except dkim.DKIMException as error:
        return "fail", "%s: %s" % (type(error).__name__, error)
    except Exception as error:  # noqa: BLE001 - any dkimpy crash is a failed evaluation
        return "error", "%s: %s" % (type(error).__name__, error)


def main(argv):
    parser = argparse.ArgumentParser(description="Verify DKIM signatures with dkimpy and a static key map.")
    parser.add_argument("--keys", required=True, help="JSON file: {\"sel._domainkey.domain.\": \"v=DKIM1; ...\"}")
    which = parser.add_mutually_exclusive_group()
    which.add_argument("--index", type=int, help="verify only the signature at this index (0 = topmost)")
    which.add_argument("--all", action="store_true", help="verify every signature (default)")
    args = parser.parse_args(argv)

    dnsfunc = make_dnsfunc(load_key_map(args.keys))
    message = sys.stdin.buffer.read()

    try:
        headers = signature_headers(message)
    except dkim.DKIMException as error:
        print("message could not be parsed: %s" % error, file=sys.stderr)
        return EXIT_FAIL
    if not headers:
        print("no DKIM-Signature header field", file=sys.stderr)
        return EXIT_NO_SIGNATURE
    if args.index is not None:
        if args.index < 0 or args.index >= len(headers):
            print("no signature at index %d (message has %d)" % (args.index, len(headers)), file=sys.stderr)
            return EXIT_NO_SIGNATURE
        indexes = [args.index]
    else:
        indexes = range(len(headers))

    status = EXIT_PASS
    for index in indexes:
        domain, selector, algorithm = describe(headers[index])
        result, detail = verify_one(message, index, dnsfunc)
        line = "%d d=%s s=%s a=%s %s" % (index, domain, selector, algorithm, result)
        if detail:
            line += " " + " ".join(detail.split())
        print(line)
        if result != "pass":
            status = EXIT_FAIL
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
