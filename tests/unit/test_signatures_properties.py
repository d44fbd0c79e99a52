"""Properties of sign_request/read_signature for both schemes and both key types.

Sign then read then verify always succeeds; changing the method, path, host, date, body
or the covered-component list afterwards always fails (at read or at verify); and no
input, however malformed, makes read_signature raise.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ed25519, rsa
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from node.activitypub.signatures import (
    Rejected,
    SignatureClaim,
    Verified,
    read_signature,
    sign_request,
)
from node.activitypub.sigtypes import PrivateKey, Scheme

# Generated once: RSA key generation is slow and must never run inside an example.
RSA_KEY = rsa.generate_private_key(public_exponent=65537, key_size=2048)
ED_KEY = ed25519.Ed25519PrivateKey.generate()
KEY_ID = "https://sender.example/users/alice#main-key"

SETTINGS = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])

_LABEL = st.from_regex(r"[a-z][a-z0-9]{0,9}", fullmatch=True)
hosts = st.builds(".".join, st.lists(_LABEL, min_size=2, max_size=3))
paths = st.builds(
    lambda parts: "/" + "/".join(parts),
    st.lists(st.text(string.ascii_letters + string.digits + "-._~", min_size=1, max_size=8),
             max_size=4),
)  # fmt: skip
queries = st.none() | st.text(string.ascii_letters + string.digits + "=&", min_size=1, max_size=12)
moments = st.datetimes(
    min_value=datetime(2001, 1, 1), max_value=datetime(2099, 1, 1), timezones=st.just(UTC)
).map(lambda moment: moment.replace(microsecond=0))
keys = st.sampled_from([RSA_KEY, ED_KEY])
schemes = st.sampled_from(["cavage", "rfc9421"])


@dataclass(frozen=True)
class Request:
    method: str
    host: str
    target: str
    body: bytes | None
    now: datetime

    @property
    def url(self) -> str:
        return f"https://{self.host}{self.target}"


@st.composite
def requests(draw: st.DrawFn) -> Request:
    method = draw(st.sampled_from(["GET", "POST"]))
    host, path, query = draw(hosts), draw(paths), draw(queries)
    body = draw(st.binary(max_size=200)) if method == "POST" else None
    target = path + (f"?{query}" if query else "")
    return Request(method, host, target, body, draw(moments))


def _sign(request: Request, key: PrivateKey, scheme: Scheme) -> dict[str, str]:
    return sign_request(
        request.method,
        request.url,
        {"Accept": "application/activity+json", "Content-Type": "application/activity+json"},
        request.body,
        key_id=KEY_ID,
        private_key=key,
        now=request.now,
        scheme=scheme,
    )


def _outcome(
    request: Request, headers: dict[str, str], key: PrivateKey, delay: int = 30
) -> Verified | Rejected:
    later = request.now + timedelta(seconds=delay)
    claim = read_signature(request.method, request.url, headers, request.body, later)
    return claim.verify(key.public_key()) if isinstance(claim, SignatureClaim) else claim


@SETTINGS
@given(requests(), keys, schemes, st.integers(min_value=-3500, max_value=3500))
def test_sign_then_verify_holds(
    request: Request, key: PrivateKey, scheme: Scheme, delay: int
) -> None:
    headers = _sign(request, key, scheme)
    assert _outcome(request, headers, key, delay) == Verified(key_id=KEY_ID, scheme=scheme)


def _mutate(kind: str, request: Request, headers: dict[str, str]) -> tuple[Request, dict[str, str]]:
    headers = dict(headers)
    if kind == "method":
        request = replace(request, method="GET" if request.method == "POST" else "POST")
    elif kind == "path":
        request = replace(request, target=f"/x{request.target}")
    elif kind == "host":
        request = replace(request, host=f"x{request.host}")
        headers["Host"] = request.host
    elif kind == "body":
        request = replace(request, body=(request.body or b"") + b"!")
    elif kind == "date" and "Signature-Input" in headers:
        headers["Signature-Input"] = re.sub(
            r"created=(\d+)", lambda m: f"created={int(m[1]) + 1}", headers["Signature-Input"]
        )
    elif kind == "date":
        later = request.now + timedelta(seconds=1)
        headers["Date"] = later.strftime("%a, %d %b %Y %H:%M:%S GMT")
    elif "Signature-Input" in headers:  # cover one more (present) header
        headers["Signature-Input"] = headers["Signature-Input"].replace('")', '" "accept")')
    else:  # drop the last signed header
        headers["Signature"] = re.sub(r' [a-z-]+",signature', '",signature', headers["Signature"])
    return request, headers


@SETTINGS
@given(
    requests(),
    keys,
    schemes,
    st.sampled_from(["method", "path", "host", "date", "body", "headers"]),
)
def test_any_change_breaks_the_signature(
    request: Request, key: PrivateKey, scheme: Scheme, kind: str
) -> None:
    headers = _sign(request, key, scheme)
    changed_request, changed_headers = _mutate(kind, request, headers)
    assert changed_headers != headers or changed_request != request
    assert isinstance(_outcome(changed_request, changed_headers, key), Rejected)


_NAMES = ["Signature", "Signature-Input", "Authorization", "Digest", "Content-Digest", "Date",
          "Host", "Accept"]  # fmt: skip
_FRAGMENTS = st.sampled_from(
    ['keyId="', '",', "signature=", "headers=", "(request-target)", "(created)", "sig1=",
     '("@method"', ");created=", ":AAAA:", "SHA-256=", "date", "=", ",", '"', "\\", "\n"]
)  # fmt: skip
_VALUES = st.lists(_FRAGMENTS | st.text(max_size=12), max_size=12).map("".join)


@settings(max_examples=400, deadline=None)
@given(
    st.lists(st.tuples(st.sampled_from(_NAMES), _VALUES), max_size=6),
    st.sampled_from(["GET", "POST", "HEAD", "PUT", ""]),
    st.text(max_size=30),
    st.none() | st.binary(max_size=20),
)
def test_read_signature_never_raises(
    headers: list[tuple[str, str]], method: str, url_tail: str, body: bytes | None
) -> None:
    now = datetime(2026, 1, 1, tzinfo=UTC)
    for url in (f"https://example.com/{url_tail}", url_tail):
        result = read_signature(method, url, headers, body, now)
        assert isinstance(result, SignatureClaim | Rejected)
        if isinstance(result, SignatureClaim):
            assert isinstance(result.verify(ED_KEY.public_key()), Verified | Rejected)
