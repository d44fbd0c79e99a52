"""draft-cavage-http-signatures-12: the draft's Appendix C vectors, then Mastodon's rules.

The ``Test`` key and the signatures of C.1 (default), C.2 (basic) and C.3 (all headers)
are copied from the draft's Appendix C and checked cryptographically.
"""

from __future__ import annotations

import base64
import hashlib
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519, padding, rsa

from node.activitypub import httpsig
from node.activitypub.keys import generate_actor_keys, load_public_pem, load_rsa_private
from node.activitypub.signatures import (
    Rejected,
    SignatureClaim,
    Verified,
    read_signature,
    sign_request,
)
from node.activitypub.sigtypes import header_fields

# -- draft-cavage-http-signatures-12 Appendix C --

TEST_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQDCFENGw33yGihy92pDjZQhl0C3
6rPJj+CvfSC8+q28hxA161QFNUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6
Z4UMR7EOcpfdUE9Hf3m/hs+FUR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJw
oYi+1hqp1fIekaxsyQIDAQAB
-----END PUBLIC KEY-----"""

TEST_PRIVATE = b"""-----BEGIN RSA PRIVATE KEY-----
MIICXgIBAAKBgQDCFENGw33yGihy92pDjZQhl0C36rPJj+CvfSC8+q28hxA161QF
NUd13wuCTUcq0Qd2qsBe/2hFyc2DCJJg0h1L78+6Z4UMR7EOcpfdUE9Hf3m/hs+F
UR45uBJeDK1HSFHD8bHKD6kv8FPGfJTotc+2xjJwoYi+1hqp1fIekaxsyQIDAQAB
AoGBAJR8ZkCUvx5kzv+utdl7T5MnordT1TvoXXJGXK7ZZ+UuvMNUCdN2QPc4sBiA
QWvLw1cSKt5DsKZ8UETpYPy8pPYnnDEz2dDYiaew9+xEpubyeW2oH4Zx71wqBtOK
kqwrXa/pzdpiucRRjk6vE6YY7EBBs/g7uanVpGibOVAEsqH1AkEA7DkjVH28WDUg
f1nqvfn2Kj6CT7nIcE3jGJsZZ7zlZmBmHFDONMLUrXR/Zm3pR5m0tCmBqa5RK95u
412jt1dPIwJBANJT3v8pnkth48bQo/fKel6uEYyboRtA5/uHuHkZ6FQF7OUkGogc
mSJluOdc5t6hI1VsLn0QZEjQZMEOWr+wKSMCQQCC4kXJEsHAve77oP6HtG/IiEn7
kpyUXRNvFsDE0czpJJBvL/aRFUJxuRK91jhjC68sA7NsKMGg5OXb5I5Jj36xAkEA
gIT7aFOYBFwGgQAQkWNKLvySgKbAZRTeLBacpHMuQdl1DfdntvAyqpAZ0lY0RKmW
G6aFKaqQfOXKCyWoUiVknQJAXrlgySFci/2ueKlIE1QqIiLSZ8V8OlpFLRnb1pzI
7U1yQXnTAEFYM560yJlzUpOb1V4cScGd365tiSMvxLOvTA==
-----END RSA PRIVATE KEY-----"""

C_URL = "https://example.com/foo?param=value&pet=dog"
C_BODY = b'{"hello": "world"}'
C_NOW = datetime(2014, 1, 5, 21, 31, 40, tzinfo=UTC) + timedelta(minutes=2)
C_HEADERS = [
    ("Host", "example.com"),
    ("Date", "Sun, 05 Jan 2014 21:31:40 GMT"),
    ("Content-Type", "application/json"),
    ("Digest", "SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE="),
    ("Content-Length", "18"),
]
C1_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",signature="SjWJWbWN7i0wzBvtPl8rbASWz5xQW6mcJmn+ib'
    "ttBqtifLN7Sazz6m79cNfwwb8DMJ5cou1s7uEGKKCs+FLEEaDV5lp7q25WqS+lavg7T8hc0GppauB6hbgEKTwb"
    'lDHYGEtbGmtdHgVCk9SuS13F0hZ8FD0k/5OxEPXe5WozsbM="'
)
C2_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date",signature="qdx+'
    "H7PHHDZgy4y/Ahn9Tny9V3GP6YgBPyUXMmoxWtLbHpUnXS2mg2+SbrQDMCJypxBLSPQR2aAjn7ndmw2iicw3HMbe8"
    'VfEdKFYRqzic+efkb3nndiv/x1xSHDJWeSWkx3ButlYSuBskLu6kd9Fswtemr3lgdDEmn04swr2Os0="'
)
C3_SIGNATURE = (
    'keyId="Test",algorithm="rsa-sha256",headers="(request-target) host date content-type '
    'digest content-length",signature="vSdrb+dS3EceC9bcwHSo4MlyKS59iFIrhgYkz8+oVLEEzmYZZvRs8r'
    "gOp+63LEM3v+MFHB32NfpB2bEKBIvB1q52LaEUHFv120V01IL+TAD48XaERZFukWgHoBTLMhYS2Gb51gWxpeIq8kn"
    'RmPnYePbF5MOkR0Zkly4zKH7s1dE="'
)
C1_STRING = b"date: Sun, 05 Jan 2014 21:31:40 GMT"
C2_STRING = (
    b"(request-target): post /foo?param=value&pet=dog\n"
    b"host: example.com\n"
    b"date: Sun, 05 Jan 2014 21:31:40 GMT"
)
C3_STRING = C2_STRING + (
    b"\ncontent-type: application/json\n"
    b"digest: SHA-256=X48E9qOokqqrvdts8nOJRJN3OWDUoyWxBf7kbu9DBPE=\n"
    b"content-length: 18"
)

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
DATE = "Sat, 21 Nov 2026 12:00:00 GMT"
INBOX = "https://ionode.example/inbox"
KEY_ID = "https://mastodon.example/users/alice#main-key"
ACTIVITY = b'{"type":"Follow","actor":"https://mastodon.example/users/alice"}'


def _test_private() -> rsa.RSAPrivateKey:
    key = serialization.load_pem_private_key(TEST_PRIVATE, password=None)
    assert isinstance(key, rsa.RSAPrivateKey)
    return key


TEST_KEY = _test_private()
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def _low_level(signature: str) -> SignatureClaim:
    """The claim for a Signature header without the acceptance rules (Appendix C)."""
    params = httpsig.parse_params(signature)
    assert isinstance(params, dict)
    sig = httpsig.interpret(params)
    assert isinstance(sig, httpsig.CavageSignature)
    signed = httpsig.signing_string(
        sig, "POST", "/foo?param=value&pet=dog", header_fields(C_HEADERS)
    )
    assert isinstance(signed, bytes)
    return SignatureClaim(sig.key_id, "cavage", sig.algorithm, signed, sig.signature)


# -- Appendix C --


@pytest.mark.parametrize(
    ("signature", "signing_string"),
    [(C1_SIGNATURE, C1_STRING), (C2_SIGNATURE, C2_STRING), (C3_SIGNATURE, C3_STRING)],
    ids=["C.1-default", "C.2-basic", "C.3-all-headers"],
)
def test_appendix_c_signatures(signature: str, signing_string: bytes) -> None:
    claim = _low_level(signature)
    assert claim.signing_string == signing_string
    assert claim.verify(load_public_pem(TEST_PUBLIC)) == Verified(key_id="Test", scheme="cavage")
    # rsa-sha256 is deterministic: the test key reproduces the published bytes
    signed = TEST_KEY.sign(signing_string, padding.PKCS1v15(), hashes.SHA256())
    assert signed == claim.signature


def test_c3_passes_the_acceptance_rules() -> None:
    headers = [*C_HEADERS, ("Signature", C3_SIGNATURE)]
    claim = read_signature("POST", C_URL, headers, C_BODY, C_NOW)
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(load_public_pem(TEST_PUBLIC)) == Verified(key_id="Test", scheme="cavage")


def test_c3_in_authorization_header() -> None:
    headers = [*C_HEADERS, ("Authorization", f"Signature {C3_SIGNATURE}")]
    claim = read_signature("POST", C_URL, headers, C_BODY, C_NOW)
    assert isinstance(claim, SignatureClaim)
    assert isinstance(claim.verify(load_public_pem(TEST_PUBLIC)), Verified)


def test_c1_and_c2_cover_too_little_for_a_post() -> None:
    c1 = read_signature("POST", C_URL, [*C_HEADERS, ("Signature", C1_SIGNATURE)], C_BODY, C_NOW)
    c2 = read_signature("POST", C_URL, [*C_HEADERS, ("Signature", C2_SIGNATURE)], C_BODY, C_NOW)
    assert c1 == Rejected("signature must cover (request-target) or digest")
    assert c2 == Rejected("signature of a request with a body must cover digest")


# -- Mastodon-shaped requests --


def _mastodon_post(
    headers_param: str = "(request-target) host date digest content-type",
    digest: str | None = None,
    algorithm: str = "rsa-sha256",
    key: rsa.RSAPrivateKey = TEST_KEY,
    target: str = "/inbox",
) -> list[tuple[str, str]]:
    """A POST signed the way Mastodon signs deliveries, built by hand."""
    digest = digest or "SHA-256=" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    values = {
        "host": "ionode.example",
        "date": DATE,
        "digest": digest,
        "content-type": "application/activity+json",
        "(request-target)": f"post {target}",
        "(created)": "1",
    }
    text = "\n".join(f"{name}: {values[name]}" for name in headers_param.split())
    signature = base64.b64encode(key.sign(text.encode(), padding.PKCS1v15(), hashes.SHA256()))
    return [
        ("Host", values["host"]),
        ("Date", DATE),
        ("Digest", digest),
        ("Content-Type", values["content-type"]),
        (
            "Signature",
            f'keyId="{KEY_ID}",algorithm="{algorithm}",headers="{headers_param}",'
            f'signature="{signature.decode()}"',
        ),
    ]


def _read(headers: list[tuple[str, str]], url: str = INBOX, body: bytes = ACTIVITY) -> object:
    return read_signature("POST", url, headers, body, NOW)


def _verify(headers: list[tuple[str, str]], url: str = INBOX) -> object:
    claim = _read(headers, url)
    return claim.verify(TEST_KEY.public_key()) if isinstance(claim, SignatureClaim) else claim


def test_mastodon_shaped_post_verifies() -> None:
    assert _verify(_mastodon_post()) == Verified(key_id=KEY_ID, scheme="cavage")


def test_lower_case_digest_and_hs2019_are_accepted() -> None:
    lower = "sha-256=" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    assert isinstance(_verify(_mastodon_post(digest=lower)), Verified)  # bovine
    assert isinstance(_verify(_mastodon_post(algorithm="hs2019")), Verified)  # GoToSocial


def test_several_digests_are_accepted() -> None:
    both = "SHA-512=" + base64.b64encode(hashlib.sha512(ACTIVITY).digest()).decode()
    both += ",SHA-256=" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    assert isinstance(_verify(_mastodon_post(digest=both)), Verified)


def test_request_target_without_query_string_is_accepted() -> None:
    headers = _mastodon_post(target="/inbox")
    assert isinstance(_verify(headers, url=INBOX + "?page=2"), Verified)
    with_query = _mastodon_post(target="/inbox?page=2")
    assert isinstance(_verify(with_query, url=INBOX + "?page=2"), Verified)
    assert _verify(with_query, url=INBOX) == Rejected("signature does not match the key")


def test_lemmy_created_and_expires() -> None:
    created = int(NOW.timestamp())
    text = (
        f"(request-target): post /inbox\n(created): {created}\n(expires): {created + 300}\n"
        f"host: ionode.example\ndigest: SHA-256="
        + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    )
    signature = base64.b64encode(ED_KEY.sign(text.encode())).decode()
    headers = [h for h in _mastodon_post() if h[0] != "Signature"]
    headers.append(
        (
            "Signature",
            f'keyId="{KEY_ID}",algorithm="hs2019",created={created},expires={created + 300},'
            f'headers="(request-target) (created) (expires) host digest",signature="{signature}"',
        )
    )
    claim = _read(headers)
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(ED_KEY.public_key()) == Verified(key_id=KEY_ID, scheme="cavage")
    late = read_signature("POST", INBOX, headers, ACTIVITY, NOW + timedelta(hours=1, minutes=6))
    assert late == Rejected("signed date is outside the accepted time window")


def test_our_signature_matches_mastodons_shape() -> None:
    keys = generate_actor_keys()
    private = load_rsa_private(keys.rsa_private_pem)
    headers = sign_request(
        "POST",
        INBOX,
        {"Content-Type": "application/activity+json"},
        ACTIVITY,
        key_id=KEY_ID,
        private_key=private,
        now=NOW,
    )
    assert headers["Host"] == "ionode.example"
    assert headers["Date"] == DATE
    assert (
        headers["Digest"]
        == "SHA-256=" + base64.b64encode(hashlib.sha256(ACTIVITY).digest()).decode()
    )
    assert headers["Signature"].startswith(
        f'keyId="{KEY_ID}",algorithm="rsa-sha256",'
        'headers="(request-target) host date digest content-type",signature="'
    )
    claim = _read(list(headers.items()))
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(load_public_pem(keys.rsa_public_pem)) == Verified(KEY_ID, "cavage")


def test_signed_get_covers_accept() -> None:
    headers = sign_request(
        "GET",
        "https://remote.example/users/bob",
        {"Accept": "application/activity+json"},
        None,
        key_id=KEY_ID,
        private_key=TEST_KEY,
        now=NOW,
    )
    assert 'headers="(request-target) host date accept"' in headers["Signature"]
    assert "Digest" not in headers
    claim = read_signature("GET", "https://remote.example/users/bob", headers, None, NOW)
    assert isinstance(claim, SignatureClaim)
    assert isinstance(claim.verify(TEST_KEY.public_key()), Verified)


# -- rejections, each with its reason --


def _with_signature(value: str) -> list[tuple[str, str]]:
    return [h for h in _mastodon_post() if h[0] != "Signature"] + [("Signature", value)]


def _replace(headers: list[tuple[str, str]], name: str, value: str) -> list[tuple[str, str]]:
    return [(n, value if n == name else v) for n, v in headers]


def test_no_signature() -> None:
    assert _read([("Host", "ionode.example")]) == Rejected("no signature")


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ('keyId="a",keyId="b",signature="AAAA"', "duplicate signature parameter 'keyId'"),
        ('keyId="a",keyid="b",signature="AAAA"', "duplicate signature parameter 'keyid'"),
        ('keyId="a",signature="AAAA",signature="B"', "duplicate signature parameter 'signature'"),
        ('keyId="a" signature="AAAA"', "malformed Signature header"),
        ('keyId="a,signature="AAAA"', "malformed Signature header"),
        ('keyId="a",', "malformed Signature header"),
        ("", "malformed Signature header"),
        ('signature="AAAA"', "signature has no keyId"),
        ('keyId="a"', "signature has no signature parameter"),
        ('keyId="a",algorithm="rsa-sha1",signature="AAAA"',
         "unsupported signature algorithm 'rsa-sha1'"),
        ('keyId="a",headers="date date",signature="AAAA"',
         "signature headers list is empty or repeats a header"),
        ('keyId="a",signature="not base64!"', "signature is not base64"),
        ('keyId="a",signature="AAAA"', "signature must cover (request-target) or digest"),
    ],
)  # fmt: skip
def test_malformed_or_incomplete_signature_header(value: str, reason: str) -> None:
    assert _read(_with_signature(value)) == Rejected(reason)


def test_commas_inside_quotes_are_part_of_the_value() -> None:
    params = httpsig.parse_params('keyId="a,b=c",signature="AAAA" , headers = "date"')
    assert params == {"keyId": "a,b=c", "signature": "AAAA", "headers": "date"}


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (r'keyId="a\"b",signature="AAAA"', {"keyId": 'a"b', "signature": "AAAA"}),
        (r'keyId="a\\",signature="AAAA"', {"keyId": "a\\", "signature": "AAAA"}),
        (r'keyId="\a\,b",signature="AAAA"', {"keyId": "a,b", "signature": "AAAA"}),
        ('keyId="",signature="AAAA"', {"keyId": "", "signature": "AAAA"}),
        (r'keyId="a",signature="AA\"AA"', {"keyId": "a", "signature": 'AA"AA'}),
    ],
)  # fmt: skip
def test_quoted_pairs_are_unescaped(value: str, expected: dict[str, str]) -> None:
    assert httpsig.parse_params(value) == expected


@pytest.mark.parametrize(
    "value",
    ['keyId="a', r'keyId="a\"', 'keyId="a\\', r'keyId="a\",signature="AAAA'],
)
def test_unterminated_quoted_string_is_malformed(value: str) -> None:
    assert httpsig.parse_params(value) == Rejected("malformed Signature header")


def test_missing_date_coverage() -> None:
    headers = _mastodon_post("(request-target) host digest content-type")
    assert _read(headers) == Rejected("signature must cover date or (created)")


def test_missing_digest_coverage_on_post() -> None:
    headers = _mastodon_post("(request-target) host date content-type")
    assert _read(headers) == Rejected("signature of a request with a body must cover digest")


def test_missing_host_coverage_on_get() -> None:
    headers = sign_request(
        "GET", "https://remote.example/u", {}, None, key_id=KEY_ID, private_key=TEST_KEY, now=NOW
    )
    headers["Signature"] = headers["Signature"].replace("host ", "")
    result = read_signature("GET", "https://remote.example/u", headers, None, NOW)
    assert result == Rejected("signature must cover host")


def test_missing_host_coverage_on_post() -> None:
    # Signed for another server's /inbox, it would verify here too: replayable (issue 7, 2.6)
    headers = _mastodon_post("(request-target) date digest content-type")
    assert _read(headers) == Rejected("signature must cover host")
    digest_only = _mastodon_post("date digest")
    assert _read(digest_only) == Rejected("signature must cover host")


def test_wrong_digest() -> None:
    wrong = "SHA-256=" + base64.b64encode(hashlib.sha256(b"other").digest()).decode()
    assert _read(_mastodon_post(digest=wrong)) == Rejected("Digest header does not match the body")
    sha512_only = "SHA-512=" + base64.b64encode(hashlib.sha512(ACTIVITY).digest()).decode()
    assert _read(_mastodon_post(digest=sha512_only)) == Rejected(
        "Digest header has no SHA-256 value (offered: sha-512)"
    )


@pytest.mark.parametrize("offset", [timedelta(hours=1, seconds=1), -timedelta(hours=1, seconds=1)])
def test_skewed_date(offset: timedelta) -> None:
    result = read_signature("POST", INBOX, _mastodon_post(), ACTIVITY, NOW + offset)
    assert result == Rejected("signed date is outside the accepted time window")


def test_date_within_skew_is_accepted() -> None:
    claim = read_signature("POST", INBOX, _mastodon_post(), ACTIVITY, NOW + timedelta(minutes=59))
    assert isinstance(claim, SignatureClaim)


def test_expired_signature() -> None:
    headers = _mastodon_post()
    expires = int(NOW.timestamp()) - 7201
    headers = _replace(headers, "Signature", headers[-1][1] + f",expires={expires}")
    assert _read(headers) == Rejected("signature has expired")


def test_invalid_date_header() -> None:
    headers = _replace(_mastodon_post(), "Date", "yesterday")
    assert _read(headers) == Rejected("Date header is not a valid HTTP date")


def test_signed_date_header_missing() -> None:
    headers = [h for h in _mastodon_post() if h[0] != "Date"]
    assert _read(headers) == Rejected("signed header 'date' is missing")


def test_header_listed_but_missing() -> None:
    headers = [h for h in _mastodon_post() if h[0] != "Content-Type"]
    assert _read(headers) == Rejected("signed header 'content-type' is missing")


def test_created_with_rsa_sha256_is_refused() -> None:
    headers = _mastodon_post("(request-target) (created) host date digest")
    headers = _replace(headers, "Signature", headers[-1][1] + ",created=1")
    assert _read(headers) == Rejected("(created) cannot be signed with rsa-sha256")


def test_host_header_for_another_server_is_refused() -> None:
    headers = _replace(_mastodon_post(), "Host", "other.example")
    assert _read(headers) == Rejected("Host header does not match the request URL")


def test_header_with_line_break_is_refused() -> None:
    headers = _replace(_mastodon_post(), "Content-Type", "a\nhost: evil")
    assert _read(headers) == Rejected("header 'content-type' contains a line break")


def test_wrong_key() -> None:
    claim = _read(_mastodon_post())
    assert isinstance(claim, SignatureClaim)
    other = load_public_pem(generate_actor_keys().rsa_public_pem)
    assert claim.verify(other) == Rejected("signature does not match the key")


def test_key_type_mismatch() -> None:
    claim = _read(_mastodon_post())
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(ED_KEY.public_key()) == Rejected(
        f"key type {type(ED_KEY.public_key()).__name__} does not match algorithm rsa-sha256"
    )


def test_short_rsa_key_is_refused() -> None:
    claim = _read(_mastodon_post())
    assert isinstance(claim, SignatureClaim)
    short = rsa.RSAPublicNumbers(e=65537, n=2**511 + 1).public_key()
    assert claim.verify(short) == Rejected("RSA key of 512 bits is too short")


def test_naive_now_is_a_programming_error() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        read_signature("POST", INBOX, _mastodon_post(), ACTIVITY, datetime(2026, 1, 1))
