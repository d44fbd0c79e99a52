"""draft-cavage-http-signatures-12, as the fediverse uses it: sign and read.

Verification follows Mastodon's rules (app/lib/signed_request.rb): the signature must
cover ``date`` or ``(created)``, and ``(request-target)`` or ``digest``; a request with a
body must cover ``digest``, whose SHA-256 must match the raw body. ``(request-target)`` is
accepted with and without the query string. Stricter than Mastodon, which requires ``host``
on GET only: every request must cover ``host``, or a POST signed for another server's
``/inbox`` could be replayed here within the hour (issue 7, 2.6). Every sender we know
signs it on POST too (Mastodon, GoToSocial, Fedify, Misskey, Pleroma, Lemmy; INTEROP.md).

Everything here is pure: :func:`read` returns a :class:`SignatureClaim` (the exact bytes
that were signed) or a :class:`Rejected`; the key check is :meth:`SignatureClaim.verify`.
"""

from __future__ import annotations

import base64
import binascii
import re
import string
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime, parsedate_to_datetime

from node.activitypub.digest import digest_header, digest_problem
from node.activitypub.sigtypes import (
    Fields,
    PrivateKey,
    Rejected,
    SignatureClaim,
    combined_value,
    header_fields,
    private_sign,
    without_fields,
)
from node.activitypub.urls import split_url
from node.hosts import BadURL

REQUEST_TARGET = "(request-target)"
CREATED = "(created)"
EXPIRES = "(expires)"
#: §2.1.3: ``hs2019`` means "derive from the key"; ``rsa-sha256`` is what Mastodon sends.
ACCEPTED_ALGORITHMS = frozenset({"rsa-sha256", "hs2019"})
#: §2.1.6: the signed headers when the ``headers`` parameter is absent.
DEFAULT_HEADERS = ("date",)

_TOKEN_CHARS = frozenset(string.ascii_letters + string.digits + "!#$%&'*+-.^_`|~")
_TIMESTAMP = re.compile(r"\d{1,12}(\.\d{1,9})?")
_MALFORMED = Rejected("malformed Signature header")


@dataclass(frozen=True)
class CavageSignature:
    """The parameters of a Signature header (§2.1), checked for shape but not yet trusted."""

    key_id: str
    algorithm: str | None
    headers: tuple[str, ...]
    signature: bytes
    created: str | None = None
    expires: str | None = None


# -- parsing (§4.1: auth-params separated by commas, values tokens or quoted strings) --


def _skip_ows(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in " \t":
        pos += 1
    return pos


def _token_end(text: str, pos: int) -> int:
    while pos < len(text) and text[pos] in _TOKEN_CHARS:
        pos += 1
    return pos


def _quoted(text: str, pos: int) -> tuple[str, int] | None:
    """The quoted-string starting at ``text[pos] == '"'`` and the index after it."""
    pos += 1
    close = text.find('"', pos)
    if close != -1 and text.find("\\", pos, close) == -1:
        return text[pos:close], close + 1  # fast path: no quoted-pair before the quote
    out: list[str] = []
    while pos < len(text):
        char = text[pos]
        if char == '"':
            return "".join(out), pos + 1
        if char == "\\":
            pos += 1
            if pos == len(text):
                return None
            char = text[pos]
        out.append(char)
        pos += 1
    return None


def _param_at(text: str, pos: int) -> tuple[str, str, int] | None:
    """One ``name=value`` pair starting at ``pos``: name, value and the index after it."""
    end = _token_end(text, pos)
    if end == pos:
        return None
    name = text[pos:end]
    pos = _skip_ows(text, end)
    if pos == len(text) or text[pos] != "=":
        return None
    pos = _skip_ows(text, pos + 1)
    if pos < len(text) and text[pos] == '"':
        quoted = _quoted(text, pos)
        return None if quoted is None else (name, quoted[0], quoted[1])
    end = _token_end(text, pos)
    return None if end == pos else (name, text[pos:end], end)


def parse_params(value: str) -> dict[str, str] | Rejected:
    """Split a Signature header into its parameters.

    A parameter given twice, in any letter case, is refused (Mastodon #37375: two parsers
    that keep different copies let one signature mean two things).
    """
    text = value.strip()
    if text[:10].lower() == "signature ":  # Authorization scheme, or old node-http-signature
        text = text[10:].lstrip()
    params: dict[str, str] = {}
    seen: set[str] = set()
    pos = 0
    while True:
        parsed = _param_at(text, pos)
        if parsed is None:
            return _MALFORMED
        name, param, pos = parsed
        if name.lower() in seen:
            return Rejected(f"duplicate signature parameter {name!r}")
        seen.add(name.lower())
        params[name] = param
        pos = _skip_ows(text, pos)
        if pos == len(text):
            return params
        if text[pos] != ",":
            return _MALFORMED
        pos = _skip_ows(text, pos + 1)


def interpret(params: Mapping[str, str]) -> CavageSignature | Rejected:
    """Check the parameters' presence and shape (§2.1) and decode the signature."""
    key_id, encoded = params.get("keyId"), params.get("signature")
    if not key_id:
        return Rejected("signature has no keyId")
    if not encoded:
        return Rejected("signature has no signature parameter")
    algorithm = params.get("algorithm")
    if algorithm is not None:
        algorithm = algorithm.lower()
        if algorithm not in ACCEPTED_ALGORITHMS:
            return Rejected(f"unsupported signature algorithm {algorithm!r}")
    headers = tuple(params.get("headers", " ".join(DEFAULT_HEADERS)).lower().split())
    if not headers or len(set(headers)) != len(headers):
        return Rejected("signature headers list is empty or repeats a header")
    for pseudo in (CREATED, EXPIRES):  # §2.3: only for algorithms not tied to a hash
        if pseudo in headers and algorithm not in (None, "hs2019"):
            return Rejected(f"{pseudo} cannot be signed with {algorithm}")
    for stamp in ("created", "expires"):
        if stamp in params and not _TIMESTAMP.fullmatch(params[stamp]):
            return Rejected(f"signature parameter {stamp} is not a timestamp")
    try:
        signature = base64.b64decode(encoded, validate=True)
    except (binascii.Error, ValueError):
        return Rejected("signature is not base64")
    return CavageSignature(
        key_id, algorithm, headers, signature, params.get("created"), params.get("expires")
    )


# -- the signing string (§2.3) --


def _component(
    name: str, sig: CavageSignature, method: str, target: str, fields: Fields
) -> str | Rejected:
    """The value that follows ``name:`` in the signing string."""
    if name == REQUEST_TARGET:
        return f"{method.lower()} {target}"
    if name in (CREATED, EXPIRES):
        stamp = sig.created if name == CREATED else sig.expires
        return stamp if stamp is not None else Rejected(f"{name} signed without its parameter")
    if name.startswith("("):
        return Rejected(f"unknown pseudo-header {name}")
    value = combined_value(fields, name)
    if value is None:
        return Rejected(f"signed header {name!r} is missing")
    if "\n" in value or "\r" in value:
        return Rejected(f"header {name!r} contains a line break")
    return value


def signing_string(
    sig: CavageSignature, method: str, target: str, fields: Fields
) -> bytes | Rejected:
    """The bytes that were signed: ``name: value`` lines joined with ``\\n`` (§2.3)."""
    lines: list[str] = []
    for name in sig.headers:
        value = _component(name, sig, method, target, fields)
        if isinstance(value, Rejected):
            return value
        lines.append(f"{name}: {value}")
    try:
        return "\n".join(lines).encode("latin-1")
    except UnicodeEncodeError:
        return Rejected("signed header is not latin-1")


# -- Mastodon's acceptance rules --


def _coverage_problem(sig: CavageSignature, method: str, has_body: bool) -> Rejected | None:
    covered = set(sig.headers)
    if not covered & {"date", CREATED}:
        return Rejected("signature must cover date or (created)")
    if not covered & {REQUEST_TARGET, "digest"}:
        return Rejected("signature must cover (request-target) or digest")
    if "host" not in covered:  # else replayable from a request signed for another server
        return Rejected("signature must cover host")
    if has_body and "digest" not in covered:
        return Rejected("signature of a request with a body must cover digest")
    return None


def _date_seconds(value: str) -> float | None:
    try:
        parsed = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError, OverflowError):
        return None
    return (parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)).timestamp()


def _time_problem(
    sig: CavageSignature, fields: Fields, now: datetime, max_skew: timedelta
) -> Rejected | None:
    now_s, skew = now.timestamp(), max_skew.total_seconds()
    stamps: list[float | None] = []
    if CREATED in sig.headers and sig.created is not None:
        stamps.append(float(sig.created))
    if "date" in sig.headers:
        stamps.append(_date_seconds(combined_value(fields, "date") or ""))
    for stamp in stamps:
        if stamp is None:
            return Rejected("Date header is not a valid HTTP date")
        if abs(now_s - stamp) > skew:
            return Rejected("signed date is outside the accepted time window")
    if sig.expires is not None and now_s > float(sig.expires) + skew:
        return Rejected("signature has expired")
    return None


def _host_problem(fields: Fields, scheme: str, authority: str) -> Rejected | None:
    host = combined_value(fields, "host")
    if host is None:
        return None
    try:
        sent = split_url(f"{scheme}://{host}/")[1]
    except BadURL:
        return Rejected("Host header is not a valid host")
    return None if sent == authority else Rejected("Host header does not match the request URL")


def signature_field(fields: Fields) -> str | None:
    """The draft-cavage signature: the Signature field, else ``Authorization: Signature``."""
    value = combined_value(fields, "signature")
    if value is not None:
        return value
    auth = combined_value(fields, "authorization")
    return auth if auth is not None and auth[:10].lower() == "signature " else None


def read(
    method: str,
    url: str,
    fields: Fields,
    body: bytes | None,
    now: datetime,
    max_skew: timedelta,
) -> SignatureClaim | Rejected:
    """Parse and check a draft-cavage signature; the key check is left to the caller."""
    raw = signature_field(fields)
    if raw is None:
        return Rejected("no signature")
    params = parse_params(raw)
    sig = params if isinstance(params, Rejected) else interpret(params)
    if isinstance(sig, Rejected):
        return sig
    try:
        scheme, authority, target = split_url(url)
    except BadURL:
        return Rejected("request URL is not valid")
    method = method.upper()
    has_body = method == "POST" or bool(body)
    if "host" not in fields:  # HTTP/2 sends :authority instead (RFC 9113 §8.3.1)
        fields = {**fields, "host": [authority]}
    problem = _coverage_problem(sig, method, has_body) or _host_problem(fields, scheme, authority)
    signed = problem or signing_string(sig, method, target, fields)
    if isinstance(signed, Rejected):
        return signed
    problem = _time_problem(sig, fields, now, max_skew)
    if problem is None and "digest" in sig.headers:
        mismatch = digest_problem(combined_value(fields, "digest") or "", body or b"")
        problem = Rejected(mismatch) if mismatch else None
    if problem:
        return problem
    alternates: tuple[bytes, ...] = ()
    if REQUEST_TARGET in sig.headers and "?" in target:
        without_query = signing_string(sig, method, target.split("?", 1)[0], fields)
        alternates = () if isinstance(without_query, Rejected) else (without_query,)
    return SignatureClaim(sig.key_id, "cavage", sig.algorithm, signed, sig.signature, alternates)


def _quote(value: str) -> str:
    return '"' + value.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
) -> dict[str, str]:
    """Sign a request as Mastodon does; returns every header to send.

    POST: ``(request-target) host date digest`` (+ ``content-type`` when present);
    other methods: ``(request-target) host date`` (+ ``accept`` when present). RSA keys
    sign ``rsa-sha256``, Ed25519 keys ``hs2019``. Raises :class:`BadURL` for a bad URL.
    """
    method = method.upper()
    _, authority, target = split_url(url)
    out = without_fields(headers, {"date", "digest", "signature"})
    if not any(name.lower() == "host" for name in out):
        out["Host"] = authority
    out["Date"] = format_datetime(now.astimezone(UTC), usegmt=True)
    has_body = method == "POST" or body is not None
    if has_body:
        out["Digest"] = digest_header(body or b"")
    fields = header_fields(out)
    names = [REQUEST_TARGET, "host", "date"]
    names += ["digest", "content-type"] if has_body else ["accept"]
    names = [name for name in names if name.startswith("(") or name in fields]
    from cryptography.hazmat.primitives.asymmetric import rsa

    algorithm = "rsa-sha256" if isinstance(private_key, rsa.RSAPrivateKey) else "hs2019"
    sig = CavageSignature(key_id, algorithm, tuple(names), b"")
    signed = signing_string(sig, method, target, fields)
    if isinstance(signed, Rejected):
        raise ValueError(f"cannot sign this request: {signed.reason}")
    value = base64.b64encode(private_sign(private_key, signed)).decode("ascii")
    out["Signature"] = (
        f'keyId={_quote(key_id)},algorithm="{algorithm}",'
        f'headers="{" ".join(names)}",signature="{value}"'
    )
    return out
