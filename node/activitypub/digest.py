"""Body digests: the ``Digest`` field of RFC 3230 and the ``Content-Digest`` of RFC 9530.

draft-cavage signatures cover ``Digest: SHA-256=<base64>`` (RFC 3230 §4.3.2, algorithm
names case-insensitive, several comma-separated values allowed); RFC 9421 signatures
cover ``Content-Digest``, an RFC 8941 dictionary of byte sequences (RFC 9530 §2).

The checks return ``None`` when the digest matches and a human-readable problem
otherwise; they never raise on malformed input.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac

from http_sfv.dictionary import Dictionary
from http_sfv.item import Item

#: RFC 9530 §5 algorithm keys that are checked, with their :mod:`hashlib` names; others
#: are ignored as §2 allows.
CONTENT_DIGEST_ALGORITHMS = {"sha-256": "sha256", "sha-512": "sha512"}


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def digest_header(body: bytes) -> str:
    """The RFC 3230 ``Digest`` value Mastodon expects: ``SHA-256=<base64>``."""
    return f"SHA-256={_b64(hashlib.sha256(body).digest())}"


def content_digest_header(body: bytes) -> str:
    """The RFC 9530 ``Content-Digest`` value ``sha-256=:<base64>:``."""
    return f"sha-256=:{_b64(hashlib.sha256(body).digest())}:"


def digest_problem(value: str, body: bytes) -> str | None:
    """Check an RFC 3230 ``Digest`` field against ``body``; ``None`` when it matches.

    The SHA-256 entry is required (Mastodon accepts no other); repeating an algorithm is
    refused so that two parsers cannot pick different entries.
    """
    entries: dict[str, str] = {}
    for part in value.split(","):
        name, sep, encoded = part.strip().partition("=")
        algorithm = name.strip().lower()
        if not sep or not algorithm:
            return "malformed Digest header"
        if algorithm in entries:
            return f"Digest header repeats {algorithm}"
        entries[algorithm] = encoded.strip()
    if "sha-256" not in entries:
        return f"Digest header has no SHA-256 value (offered: {', '.join(entries)})"
    try:
        given = base64.b64decode(entries["sha-256"], validate=True)
    except (binascii.Error, ValueError):
        return "Digest SHA-256 value is not base64"
    if not hmac.compare_digest(given, hashlib.sha256(body).digest()):
        return "Digest header does not match the body"
    return None


def content_digest_problem(value: str, body: bytes) -> str | None:
    """Check an RFC 9530 ``Content-Digest`` field against ``body``; ``None`` when it matches.

    At least one of sha-256 and sha-512 must be present and every one present must match
    (RFC 9530 §6.7: a mismatch in any digest is a failure).
    """
    parsed = Dictionary()
    try:
        parsed.parse(value.encode("latin-1"))
    except (ValueError, IndexError):
        return "malformed Content-Digest header"
    checked = False
    for algorithm, hash_name in CONTENT_DIGEST_ALGORITHMS.items():
        member = parsed.get(algorithm)
        if member is None:
            continue
        if not isinstance(member, Item) or type(member.value) is not bytes:
            return f"Content-Digest {algorithm} value is not a byte sequence"
        if not hmac.compare_digest(member.value, hashlib.new(hash_name, body).digest()):
            return "Content-Digest header does not match the body"
        checked = True
    if not checked:
        return "Content-Digest header has no sha-256 or sha-512 value"
    return None
