"""Body digests: RFC 3230 ``Digest`` (draft-cavage) and RFC 9530 ``Content-Digest``."""

from __future__ import annotations

import base64
import hashlib

import pytest

from node.activitypub.digest import (
    content_digest_header,
    content_digest_problem,
    digest_header,
    digest_problem,
)

HELLO = b'{"hello": "world"}'
HELLO_NL = b'{"hello": "world"}\n'
# draft-cavage-http-signatures-12 Appendix C request
HELLO_DIGEST = "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="
# RFC 9530 Appendix B.1 (content {"hello": "world"} plus newline)
HELLO_NL_SHA256 = "sha-256=:RK/0qy18MlBSVnWgjwz6lZEWjP/lF5HF9bvEF8FabDg=:"
# RFC 9530 Section 2, same content
HELLO_NL_SHA512 = (
    "sha-512=:YMAam51Jz/jOATT6/zvHrLVgOYTGFy1d6GJiOHTo"
    "hq4yP+pgk4vf2aCsyRZOtw8MjkM7iw7yZ/WkppmM44T3qg==:"
)
# RFC 9421 Appendix B.2 test-request
HELLO_SHA512 = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX"
    "+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
)


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def test_digest_header_matches_the_cavage_example() -> None:
    assert digest_header(HELLO) == HELLO_DIGEST
    assert digest_problem(HELLO_DIGEST, HELLO) is None


def test_content_digest_header_matches_rfc_9530() -> None:
    assert content_digest_header(HELLO_NL) == HELLO_NL_SHA256
    assert content_digest_problem(HELLO_NL_SHA256, HELLO_NL) is None


@pytest.mark.parametrize(
    ("value", "body"),
    [
        (HELLO_NL_SHA512, HELLO_NL),
        (HELLO_SHA512, HELLO),
        (f"{HELLO_NL_SHA256}, {HELLO_NL_SHA512}", HELLO_NL),
    ],
)
def test_published_content_digests_match(value: str, body: bytes) -> None:
    assert content_digest_problem(value, body) is None


@pytest.mark.parametrize(
    "value",
    [
        HELLO_DIGEST,
        HELLO_DIGEST.replace("SHA-256", "sha-256"),
        f"SHA-512={_b64(hashlib.sha512(HELLO).digest())},{HELLO_DIGEST}",
        f"{HELLO_DIGEST}, md5=whatever",
        f" {HELLO_DIGEST} ",
    ],
)
def test_digest_variants_accepted(value: str) -> None:
    assert digest_problem(value, HELLO) is None


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("", "malformed Digest header"),
        ("SHA-256", "malformed Digest header"),
        ("=abc", "malformed Digest header"),
        (f"{HELLO_DIGEST},sha-256=AAAA", "Digest header repeats sha-256"),
        ("MD5=abc", "Digest header has no SHA-256 value (offered: md5)"),
        ("SHA-256=not*base64", "Digest SHA-256 value is not base64"),
        (f"SHA-256={_b64(hashlib.sha256(b'x').digest())}", "Digest header does not match the body"),
    ],
)
def test_digest_problems(value: str, problem: str) -> None:
    assert digest_problem(value, HELLO) == problem


@pytest.mark.parametrize(
    ("value", "problem"),
    [
        ("sha-256=", "malformed Content-Digest header"),
        ("SHA-256=:AAAA:", "malformed Content-Digest header"),
        ("sha-256=abc", "Content-Digest sha-256 value is not a byte sequence"),
        ("sha-256=(:AAAA:)", "Content-Digest sha-256 value is not a byte sequence"),
        ("md5=:AAAA:", "Content-Digest header has no sha-256 or sha-512 value"),
        ("sha-256=:AAAA:", "Content-Digest header does not match the body"),
        (f"{HELLO_SHA512}, sha-256=:AAAA:", "Content-Digest header does not match the body"),
        ("sha-256=:\u00e9:", "malformed Content-Digest header"),
        ("sha-256=:\u0100:", "malformed Content-Digest header"),
    ],
)
def test_content_digest_problems(value: str, problem: str) -> None:
    assert content_digest_problem(value, HELLO) == problem


def test_empty_body() -> None:
    assert digest_problem(digest_header(b""), b"") is None
    assert content_digest_problem(content_digest_header(b""), b"") is None
