"""RFC 9421 HTTP Message Signatures: the RFC's own test vectors, then our rules.

Keys and signatures are copied from RFC 9421 Appendix B.1 (keys), B.2 (test-request and
signatures sig-b21, sig-b23, sig-b26) and Section 4.3 (``proxy_sig``, the only published
``rsa-v1_5-sha256`` example). They are checked cryptographically, so a transcription
error would fail the test rather than hide.
"""

from __future__ import annotations

import base64
import dataclasses
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

from node.activitypub import rfc9421
from node.activitypub.keys import load_public_pem
from node.activitypub.signatures import (
    Rejected,
    SignatureClaim,
    Verified,
    read_signature,
    sign_request,
)
from node.activitypub.sigtypes import header_fields

# -- RFC 9421 Appendix B.1 keys --

TEST_KEY_RSA_PUBLIC = """-----BEGIN RSA PUBLIC KEY-----
MIIBCgKCAQEAhAKYdtoeoy8zcAcR874L8cnZxKzAGwd7v36APp7Pv6Q2jdsPBRrw
WEBnez6d0UDKDwGbc6nxfEXAy5mbhgajzrw3MOEt8uA5txSKobBpKDeBLOsdJKFq
MGmXCQvEG7YemcxDTRPxAleIAgYYRjTSd/QBwVW9OwNFhekro3RtlinV0a75jfZg
kne/YiktSvLG34lw2zqXBDTC5NHROUqGTlML4PlNZS5Ri2U4aCNx2rUPRcKIlE0P
uKxI4T+HIaFpv8+rdV6eUgOrB2xeI1dSFFn/nnv5OoZJEIB+VmuKn3DCUcCZSFlQ
PSXSfBDiUGhwOw76WuSSsf1D4b/vLoJ10wIDAQAB
-----END RSA PUBLIC KEY-----"""

TEST_KEY_RSA_PSS_PUBLIC = """-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAr4tmm3r20Wd/PbqvP1s2
+QEtvpuRaV8Yq40gjUR8y2Rjxa6dpG2GXHbPfvMs8ct+Lh1GH45x28Rw3Ry53mm+
oAXjyQ86OnDkZ5N8lYbggD4O3w6M6pAvLkhk95AndTrifbIFPNU8PPMO7OyrFAHq
gDsznjPFmTOtCEcN2Z1FpWgchwuYLPL+Wokqltd11nqqzi+bJ9cvSKADYdUAAN5W
Utzdpiy6LbTgSxP7ociU4Tn0g5I6aDZJ7A8Lzo0KSyZYoA485mqcO0GVAdVw9lq4
aOT9v6d+nb4bnNkQVklLQ3fVAvJm+xdDOp9LCNCN48V2pnDOkFV6+U9nV5oyc6XI
2wIDAQAB
-----END PUBLIC KEY-----"""

TEST_KEY_ECC_P256_PUBLIC = """-----BEGIN PUBLIC KEY-----
MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAEqIVYZVLCrPZHGHjP17CTW0/+D9Lf
w0EkjqF7xB4FivAxzic30tMM4GF+hR6Dxh71Z50VGGdldkkDXZCnTNnoXQ==
-----END PUBLIC KEY-----"""

TEST_KEY_ED25519_PUBLIC = """-----BEGIN PUBLIC KEY-----
MCowBQYDK2VwAyEAJrQLj5P/89iXES9+vFgrIy29clF9CC/oPPsw3c5D0bs=
-----END PUBLIC KEY-----"""

TEST_KEY_ED25519_PRIVATE = b"""-----BEGIN PRIVATE KEY-----
MC4CAQAwBQYDK2VwBCIEIJ+DYvh6SEqVTm50DFtMDoQikTmiCqirVv9mWG9qfSnF
-----END PRIVATE KEY-----"""

# -- RFC 9421 Appendix B.2 test-request --

CREATED = 1618884473
NEAR_CREATED = datetime.fromtimestamp(CREATED + 60, UTC)
URL = "https://example.com/foo?param=Value&Pet=dog"
BODY = b'{"hello": "world"}'
CONTENT_DIGEST = (
    "sha-512=:WZDPaVn/7XgHaAy8pmojAkGWoRx2UFChF41A2svX"
    "+TaPm+AbwAgBWnrIiYllu7BNNyealdVLvRwEmTHWXvJwew==:"
)
REQUEST_HEADERS = [
    ("Host", "example.com"),
    ("Date", "Tue, 20 Apr 2021 02:07:55 GMT"),
    ("Content-Type", "application/json"),
    ("Content-Digest", CONTENT_DIGEST),
    ("Content-Length", "18"),
]

B26_INPUT = (
    'sig-b26=("date" "@method" "@path" "@authority" "content-type" "content-length")'
    ';created=1618884473;keyid="test-key-ed25519"'
)
B26_SIGNATURE = (
    "sig-b26=:wqcAqbmYJ2ji2glfAMaRy4gruYYnx2nEFN2HN6jrnDnQCK1"
    "u02Gb04v9EDgwUPiu4A0w6vuQv5lIp5WPpBKRCw==:"
)
B26_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@authority" "content-type"'
    ' "content-length");created=1618884473;keyid="test-key-ed25519"'
)

B23_INPUT = (
    'sig-b23=("date" "@method" "@path" "@query" "@authority" "content-type" '
    '"content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"'
)
B23_SIGNATURE = (
    "sig-b23=:bbN8oArOxYoyylQQUU6QYwrTuaxLwjAC9fbY2F6SVWvh0yBiMIRGOnMYwZ/5MR6fb0Kh1rIRASVx"
    "FkeGt683+qRpRRU5p2voTp768ZrCUb38K0fUxN0O0iC59DzYx8DFll5GmydPxSmme9v6ULbMFkl+V5B1TP/yPV"
    "iV7KsLNmvKiLJH1pFkh/aYA2HXXZzNBXmIkoQoLd7YfW91kE9o/CCoC1xMy7JA1ipwvKvfrs65ldmlu9bpG6A9"
    "BmzhuzF8Eim5f8ui9eH8LZH896+QIF61ka39VBrohr9iyMUJpvRX2Zbhl5ZJzSRxpJyoEZAFL2FUo5fTIztsDZ"
    "KEgM4cUA==:"
)
B23_BASE = (
    '"date": Tue, 20 Apr 2021 02:07:55 GMT\n'
    '"@method": POST\n'
    '"@path": /foo\n'
    '"@query": ?param=Value&Pet=dog\n'
    '"@authority": example.com\n'
    '"content-type": application/json\n'
    f'"content-digest": {CONTENT_DIGEST}\n'
    '"content-length": 18\n'
    '"@signature-params": ("date" "@method" "@path" "@query" "@authority" "content-type"'
    ' "content-digest" "content-length");created=1618884473;keyid="test-key-rsa-pss"'
)

B21_INPUT = 'sig-b21=();created=1618884473;keyid="test-key-rsa-pss";nonce="b3k2pp5k7z-50gnwp.yemd"'
B21_SIGNATURE = (
    "sig-b21=:d2pmTvmbncD3xQm8E9ZV2828BjQWGgiwAaw5bAkgibUopemLJcWDy/lkbbHAve4cRAtx31Iq786U7"
    "it++wgGxbtRxf8Udx7zFZsckzXaJMkA7ChG52eSkFxykJeNqsrWH5S+oxNFlD4dzVuwe8DhTSja8xxbR/Z2cOG"
    "dCbzR72rgFWhzx2VjBqJzsPLMIQKhO4DGezXehhWwE56YCE+O6c0mKZsfxVrogUvA4HELjVKWmAvtl6UnCh8jY"
    "zuVG5WSb/QEVPnP5TmcAnLH1g+s++v6d4s8m0gCw1fV5/SITLq9mhho8K3+7EPYTU8IU1bLhdxO5Nyt8C8ssin"
    "Q98Xw9Q==:"
)

# -- RFC 9421 Section 4.3: the proxy's rsa-v1_5-sha256 signature --

PROXY_URL = "https://origin.host.internal.example/foo?param=Value&Pet=dog"
PROXY_HEADERS = [
    ("Host", "origin.host.internal.example"),
    ("Date", "Tue, 20 Apr 2021 02:07:56 GMT"),
    ("Content-Type", "application/json"),
    ("Content-Length", "18"),
    ("Forwarded", "for=192.0.2.123;host=example.com;proto=https"),
    ("Content-Digest", CONTENT_DIGEST),
]
PROXY_INPUT = (
    'proxy_sig=("@method" "@authority" "@path" "content-digest" "content-type" '
    '"content-length" "forwarded");created=1618884480;keyid="test-key-rsa";'
    'alg="rsa-v1_5-sha256";expires=1618884540'
)
PROXY_SIGNATURE = (
    "proxy_sig=:S6ZzPXSdAMOPjN/6KXfXWNO/f7V6cHm7BXYUh3YD/fRad4BCaRZxP+JH+8XY1I6+8Cy+CM5g92iH"
    "gxtRPz+MjniOaYmdkDcnL9cCpXJleXsOckpURl49GwiyUpZ10KHgOEe11sx3G2gxI8S0jnxQB+Pu68U9vVcasq"
    "OWAEObtNKKZd8tSFu7LB5YAv0RAGhB8tmpv7sFnIm9y+7X5kXQfi8NMaZaA8i2ZHwpBdg7a6CMfwnnrtflzvZd"
    "XAsD3LH2TwevU+/PBPv0B6NMNk93wUs/vfJvye+YuI87HU38lZHowtznbLVdp770I6VHR6WfgS9ddzirrswsE1"
    "w5o0LV/g==:"
)
CLIENT_INPUT = (
    'sig1=("@method" "@authority" "@path" "content-digest" "content-type" "content-length")'
    ';created=1618884475;keyid="test-key-ecc-p256"'
)
CLIENT_SIGNATURE = (
    "sig1=:X5spyd6CFnAG5QnDyHfqoSNICd+BUP4LYMz2Q0JXl"
    "b//4Ijpzp+kve2w4NIyqeAuM7jTDX+sNalzA8ESSaHD3A==:"
)
NEAR_PROXY = datetime.fromtimestamp(1618884500, UTC)

SKEW = timedelta(hours=1)
NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)
ACTOR_KEY = "https://remote.example/users/alice#main-key"
INBOX = "https://ionode.example/inbox"
ED_KEY = ed25519.Ed25519PrivateKey.generate()


def _pss_key() -> rsa.RSAPublicKey:
    key = load_public_pem(TEST_KEY_RSA_PSS_PUBLIC)
    assert isinstance(key, rsa.RSAPublicKey)
    return key


def _claim(headers: list[tuple[str, str]], label: str) -> SignatureClaim:
    """The claim for one label, built with the low-level API (no acceptance rules)."""
    fields = header_fields(headers)
    entries = rfc9421.parse_signatures(fields)
    assert not isinstance(entries, Rejected)
    (entry,) = [e for e in entries if isinstance(e, rfc9421.MessageSignature) and e.label == label]
    base = rfc9421.signature_base(entry.components, rfc9421.request_parts("POST", URL, fields))
    assert isinstance(base, bytes)
    return SignatureClaim(entry.key_id, "rfc9421", entry.algorithm, base, entry.signature)


# -- Appendix B vectors --


def test_b26_ed25519_signature_base_and_signature() -> None:
    headers = [*REQUEST_HEADERS, ("Signature-Input", B26_INPUT), ("Signature", B26_SIGNATURE)]
    claim = _claim(headers, "sig-b26")
    assert claim.signing_string == B26_BASE.encode()
    assert claim.verify(load_public_pem(TEST_KEY_ED25519_PUBLIC)) == Verified(
        key_id="test-key-ed25519", scheme="rfc9421"
    )


def test_b26_ed25519_is_reproduced_by_signing_the_base() -> None:
    private = serialization.load_pem_private_key(TEST_KEY_ED25519_PRIVATE, password=None)
    assert isinstance(private, ed25519.Ed25519PrivateKey)
    expected = base64.b64decode(B26_SIGNATURE.split(":")[1])
    assert private.sign(B26_BASE.encode()) == expected


def test_b26_is_refused_by_policy_because_the_body_is_not_covered() -> None:
    headers = [*REQUEST_HEADERS, ("Signature-Input", B26_INPUT), ("Signature", B26_SIGNATURE)]
    result = read_signature("POST", URL, headers, BODY, NEAR_CREATED)
    assert result == Rejected("signature of a request with a body must cover content-digest")


def test_b26_altered_request_fails() -> None:
    headers = [*REQUEST_HEADERS, ("Signature-Input", B26_INPUT), ("Signature", B26_SIGNATURE)]
    headers[2] = ("Content-Type", "text/plain")
    claim = _claim(headers, "sig-b26")
    assert claim.verify(load_public_pem(TEST_KEY_ED25519_PUBLIC)) == Rejected(
        "signature does not match the key"
    )


def test_b23_rsa_pss_full_coverage_is_accepted_and_verifies() -> None:
    headers = [*REQUEST_HEADERS, ("Signature-Input", B23_INPUT), ("Signature", B23_SIGNATURE)]
    claim = read_signature("POST", URL, headers, BODY, NEAR_CREATED)
    assert isinstance(claim, SignatureClaim)
    assert claim.signing_string == B23_BASE.encode()
    assert claim.key_id == "test-key-rsa-pss" and claim.algorithm is None
    # No alg parameter: the key says which algorithm (§3.2). An RSA key without one is
    # taken as rsa-v1_5-sha256, so the PSS signature only verifies once PSS is named.
    assert isinstance(claim.verify(_pss_key()), Rejected)
    pss_claim = dataclasses.replace(claim, algorithm="rsa-pss-sha512")
    assert pss_claim.verify(_pss_key()) == Verified(key_id="test-key-rsa-pss", scheme="rfc9421")


def test_b21_minimal_signature_verifies_but_covers_too_little() -> None:
    headers = [*REQUEST_HEADERS, ("Signature-Input", B21_INPUT), ("Signature", B21_SIGNATURE)]
    claim = dataclasses.replace(_claim(headers, "sig-b21"), algorithm="rsa-pss-sha512")
    assert claim.signing_string == (
        b'"@signature-params": ();created=1618884473;keyid="test-key-rsa-pss"'
        b';nonce="b3k2pp5k7z-50gnwp.yemd"'
    )
    assert isinstance(claim.verify(_pss_key()), Verified)
    result = read_signature("POST", URL, headers, BODY, NEAR_CREATED)
    assert result == Rejected("signature must cover @method")


def test_section_4_3_rsa_v1_5_proxy_signature_verifies() -> None:
    headers = [*PROXY_HEADERS, ("Signature-Input", PROXY_INPUT), ("Signature", PROXY_SIGNATURE)]
    claim = read_signature("POST", PROXY_URL, headers, BODY, NEAR_PROXY)
    assert isinstance(claim, SignatureClaim)
    assert claim.algorithm == "rsa-v1_5-sha256"
    assert claim.verify(load_public_pem(TEST_KEY_RSA_PUBLIC)) == Verified(
        key_id="test-key-rsa", scheme="rfc9421"
    )


def test_first_label_with_acceptable_coverage_is_chosen() -> None:
    headers = [
        *PROXY_HEADERS,
        ("Signature-Input", f"{CLIENT_INPUT}, {PROXY_INPUT}"),
        ("Signature", f"{CLIENT_SIGNATURE}, {PROXY_SIGNATURE}"),
    ]
    claim = read_signature("POST", PROXY_URL, headers, BODY, NEAR_PROXY)
    assert isinstance(claim, SignatureClaim) and claim.key_id == "test-key-ecc-p256"
    ec_key = load_public_pem(TEST_KEY_ECC_P256_PUBLIC)
    assert isinstance(ec_key, ec.EllipticCurvePublicKey)
    result = claim.verify(ec_key)
    assert isinstance(result, Rejected) and result.reason.startswith("unsupported key type")


def test_proxy_signature_outside_the_window_is_refused() -> None:
    headers = [*PROXY_HEADERS, ("Signature-Input", PROXY_INPUT), ("Signature", PROXY_SIGNATURE)]
    late = datetime.fromtimestamp(1618884540, UTC) + SKEW + timedelta(seconds=1)
    result = read_signature("POST", PROXY_URL, headers, BODY, late)
    assert result == Rejected("signature created time is outside the accepted time window")


def test_query_param_component_is_not_supported() -> None:
    value = '("@authority" "content-digest" "@query-param";name="Pet");created=1618884473;keyid="k"'
    headers = [
        *REQUEST_HEADERS,
        ("Signature-Input", f"sig-b22={value}"),
        ("Signature", "sig-b22=:AAAA:"),
    ]
    assert read_signature("POST", URL, headers, BODY, NEAR_CREATED) == Rejected(
        "signature must cover @method"
    )


# -- signing (outbound, for double-knocking) --


def _signed(method: str = "POST", body: bytes | None = b'{"type":"Follow"}') -> dict[str, str]:
    return sign_request(
        method,
        INBOX,
        {"Content-Type": "application/activity+json"},
        body,
        key_id=ACTOR_KEY,
        private_key=ED_KEY,
        now=NOW,
        scheme="rfc9421",
    )


def test_sign_post_covers_method_target_uri_and_content_digest() -> None:
    headers = _signed()
    assert headers["Signature-Input"] == (
        'sig1=("@method" "@target-uri" "content-digest");'
        f'created={int(NOW.timestamp())};keyid="{ACTOR_KEY}";alg="ed25519"'
    )
    assert headers["Content-Digest"].startswith("sha-256=:")
    assert headers["Host"] == "ionode.example"
    assert headers["Date"] == "Sat, 21 Nov 2026 12:00:00 GMT"
    assert headers["Signature"].startswith("sig1=:") and headers["Signature"].endswith(":")


def test_signed_post_round_trips() -> None:
    headers = _signed()
    claim = read_signature("POST", INBOX, headers, b'{"type":"Follow"}', NOW)
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(ED_KEY.public_key()) == Verified(key_id=ACTOR_KEY, scheme="rfc9421")


def test_signed_get_has_no_content_digest() -> None:
    headers = _signed("GET", None)
    assert "Content-Digest" not in headers
    assert '("@method" "@target-uri")' in headers["Signature-Input"]


# -- rejections --


def _read(headers: dict[str, str], body: bytes | None = b'{"type":"Follow"}') -> object:
    return read_signature("POST", INBOX, headers, body, NOW)


@pytest.mark.parametrize(
    ("change", "reason"),
    [
        ({"Signature-Input": "sig1=("}, "malformed Signature-Input header"),
        ({"Signature": "sig1=:not base64"}, "malformed Signature header"),
        ({"Signature": "other=:AAAA:"}, "Signature sig1 is missing or not a byte sequence"),
        ({"Signature-Input": 'sig1=("@method" "@target-uri");keyid="k"'},
         "signature created/expires must be integers (created is required)"),
        ({"Signature-Input": 'sig1=("@method" "@target-uri");created=1;keyid="k"'},
         "signature of a request with a body must cover content-digest"),
        ({"Signature-Input": 'sig1=("@method" "@target-uri" "content-digest");created=1'},
         "signature has no keyid"),
        ({"Signature-Input": 'sig1=("@method" "@target-uri" "content-digest")'
          ';created=1;keyid="k";alg="hmac-sha256"'},
         "unsupported signature algorithm 'hmac-sha256'"),
        ({"Signature-Input": 'sig1=("@target-uri" "content-digest");created=1;keyid="k"'},
         "signature must cover @method"),
        ({"Signature-Input": 'sig1=("@method" "@path" "content-digest");created=1;keyid="k"'},
         "signature must cover @target-uri, or @authority and @path"),
        ({"Content-Digest": "sha-256=:AAAA:"}, "Content-Digest header does not match the body"),
    ],
)  # fmt: skip
def test_rejections(change: dict[str, str], reason: str) -> None:
    assert _read({**_signed(), **change}) == Rejected(reason)


def test_time_window() -> None:
    headers = _signed()
    body = b'{"type":"Follow"}'
    late = read_signature("POST", INBOX, headers, body, NOW + SKEW + timedelta(seconds=1))
    early = read_signature("POST", INBOX, headers, body, NOW - SKEW - timedelta(seconds=1))
    reason = "signature created time is outside the accepted time window"
    assert late == early == Rejected(reason)
    assert isinstance(read_signature("POST", INBOX, headers, body, NOW + SKEW), SignatureClaim)


def test_expires_is_honoured() -> None:
    headers = _signed()
    expired = int((NOW - 2 * SKEW - timedelta(seconds=1)).timestamp())
    headers["Signature-Input"] += f";expires={expired}"
    assert _read(headers) == Rejected("signature has expired")


def test_missing_content_digest_header() -> None:
    headers = {k: v for k, v in _signed().items() if k != "Content-Digest"}
    assert _read(headers) == Rejected("signed header 'content-digest' is missing")


def test_changed_body_is_refused() -> None:
    assert _read(_signed(), b'{"type":"Undo"}') == Rejected(
        "Content-Digest header does not match the body"
    )


def test_duplicate_component_is_refused() -> None:
    headers = _signed()
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        '"content-digest")', '"content-digest" "@method")'
    )
    assert _read(headers) == Rejected("component '@method' is covered twice")


def test_token_component_and_component_parameters_are_refused() -> None:
    headers = _signed()
    headers["Signature-Input"] = headers["Signature-Input"].replace(
        '"content-digest")', '"content-digest" "date";sf)'
    )
    assert _read(headers) == Rejected("covered components must be plain strings")


def test_wrong_key_and_key_type_mismatch() -> None:
    claim = _read(_signed())
    assert isinstance(claim, SignatureClaim)
    other = ed25519.Ed25519PrivateKey.generate().public_key()
    assert claim.verify(other) == Rejected("signature does not match the key")
    rsa_public = load_public_pem(TEST_KEY_RSA_PUBLIC)
    assert claim.verify(rsa_public) == Rejected(
        f"key type {type(rsa_public).__name__} does not match algorithm ed25519"
    )


def test_request_url_change_is_refused() -> None:
    claim = read_signature("POST", INBOX + "?x=1", _signed(), b'{"type":"Follow"}', NOW)
    assert isinstance(claim, SignatureClaim)
    assert claim.verify(ED_KEY.public_key()) == Rejected("signature does not match the key")
