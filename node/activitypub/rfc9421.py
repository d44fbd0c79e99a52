"""RFC 9421 HTTP Message Signatures for requests: sign and read.

``Signature-Input`` and ``Signature`` are RFC 8941 dictionaries (parsed with ``http-sfv``)
keyed by label. Reading picks the first label whose covered components satisfy the
acceptance rules (``@method``; ``@target-uri`` or ``@authority`` and ``@path``;
``content-digest`` when there is a body; ``created`` within the clock skew), then
rebuilds the signature base exactly as §2.5 describes. Signing covers
``("@method" "@target-uri" "content-digest")`` with ``created``, ``keyid`` and ``alg``, as
Mastodon 4.5 requires (app/lib/signed_request.rb).

Supported: the derived components of §2.2 that a request has (``@method``,
``@target-uri``, ``@authority``, ``@scheme``, ``@request-target``, ``@path``,
``@query``) and plain header fields without component parameters; algorithms
``rsa-v1_5-sha256``, ``rsa-pss-sha512`` (verify only) and ``ed25519`` (§3.3).
"""

from __future__ import annotations

import base64
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from http_sfv.dictionary import Dictionary
from http_sfv.item import InnerList, Item

from node.activitypub.digest import content_digest_header, content_digest_problem
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

#: §3.3 algorithms this module accepts in the ``alg`` parameter.
SUPPORTED_ALGORITHMS = frozenset({"rsa-v1_5-sha256", "rsa-pss-sha512", "ed25519"})
DEFAULT_LABEL = "sig1"


@dataclass(frozen=True)
class RequestParts:
    """A request as §2.2 derives components from it; scheme and authority canonical."""

    method: str
    scheme: str
    authority: str
    path: str
    query: str | None
    fields: Fields

    @property
    def target(self) -> str:
        return self.path if self.query is None else f"{self.path}?{self.query}"


@dataclass(frozen=True)
class MessageSignature:
    """One labelled signature: its Signature-Input entry and Signature bytes (§4.1, §4.2)."""

    label: str
    components: InnerList
    covered: tuple[str, ...]
    signature: bytes
    key_id: str
    created: int
    expires: int | None
    algorithm: str | None


def request_parts(method: str, url: str, fields: Fields) -> RequestParts:
    """Split ``url`` into the parts §2.2 needs; raises :class:`BadURL`."""
    scheme, authority, target = split_url(url)
    path, mark, query = target.partition("?")
    return RequestParts(method.upper(), scheme, authority, path, query if mark else None, fields)


def component_value(name: str, request: RequestParts) -> str | Rejected:
    """The value of one covered component (§2.1 fields, §2.2 derived components)."""
    derived = {
        "@method": request.method,
        "@target-uri": f"{request.scheme}://{request.authority}{request.target}",
        "@authority": request.authority,
        "@scheme": request.scheme,
        "@request-target": request.target,
        "@path": request.path,
        "@query": f"?{request.query or ''}",
    }
    if name in derived:
        return derived[name]
    if name.startswith("@"):
        return Rejected(f"unsupported derived component {name}")
    if name != name.lower():
        return Rejected(f"component name {name!r} is not lower case")
    value = combined_value(request.fields, name)
    if value is None:
        return Rejected(f"signed header {name!r} is missing")
    if "\n" in value or "\r" in value:
        return Rejected(f"header {name!r} contains a line break")
    return value


def signature_base(components: InnerList, request: RequestParts) -> bytes | Rejected:
    """The signature base of §2.5: one ``"name": value`` line per component, then
    ``"@signature-params": <the inner list serialised per RFC 8941 §4>``."""
    lines: list[str] = []
    seen: set[str] = set()
    for item in components:
        if type(item.value) is not str or item.params:
            return Rejected("covered components must be plain strings")
        if item.value in seen:
            return Rejected(f"component {item.value!r} is covered twice")
        seen.add(item.value)
        value = component_value(item.value, request)
        if isinstance(value, Rejected):
            return value
        lines.append(f"{item}: {value}")
    try:
        lines.append(f'"@signature-params": {components}')
        return "\n".join(lines).encode("ascii")
    except (UnicodeEncodeError, ValueError):
        return Rejected("signature base is not ASCII")


def _dictionary(value: str | None, name: str) -> Dictionary | Rejected:
    if value is None:
        return Rejected(f"{name} header is missing")
    parsed = Dictionary()
    try:
        parsed.parse(value.encode("latin-1"))
    except (ValueError, IndexError):
        return Rejected(f"malformed {name} header")
    return parsed


def _entry(label: str, member: object, value: object) -> MessageSignature | Rejected:
    """Check one label's Signature-Input inner list and Signature item (§2.3, §4.1)."""
    if not isinstance(member, InnerList):
        return Rejected(f"Signature-Input {label} is not an inner list")
    if not isinstance(value, Item) or type(value.value) is not bytes:
        return Rejected(f"Signature {label} is missing or not a byte sequence")
    params = member.params
    created, expires = params.get("created"), params.get("expires")
    key_id, algorithm = params.get("keyid"), params.get("alg")
    if type(created) is not int or (expires is not None and type(expires) is not int):
        return Rejected("signature created/expires must be integers (created is required)")
    if type(key_id) is not str or not key_id:
        return Rejected("signature has no keyid")
    if algorithm is not None and not (type(algorithm) is str and algorithm in SUPPORTED_ALGORITHMS):
        return Rejected(f"unsupported signature algorithm {algorithm!r}")
    if any(type(params[name]) is not str for name in ("nonce", "tag") if name in params):
        return Rejected("signature nonce and tag must be strings")
    covered = tuple(str(item.value) for item in member)
    return MessageSignature(
        label, member, covered, value.value, key_id, created, expires, algorithm
    )


def parse_signatures(fields: Fields) -> list[MessageSignature | Rejected] | Rejected:
    """Every labelled signature of the request, in Signature-Input order."""
    inputs = _dictionary(combined_value(fields, "signature-input"), "Signature-Input")
    if isinstance(inputs, Rejected):
        return inputs
    values = _dictionary(combined_value(fields, "signature"), "Signature")
    if isinstance(values, Rejected):
        return values
    return [_entry(label, member, values.get(label)) for label, member in inputs.items()]


def _coverage_problem(sig: MessageSignature, has_body: bool) -> Rejected | None:
    covered = set(sig.covered)
    if "@method" not in covered:
        return Rejected("signature must cover @method")
    if "@target-uri" not in covered and not {"@authority", "@path"} <= covered:
        return Rejected("signature must cover @target-uri, or @authority and @path")
    if has_body and "content-digest" not in covered:
        return Rejected("signature of a request with a body must cover content-digest")
    return None


def _time_problem(sig: MessageSignature, now: datetime, max_skew: timedelta) -> Rejected | None:
    now_s, skew = now.timestamp(), max_skew.total_seconds()
    if abs(now_s - sig.created) > skew:
        return Rejected("signature created time is outside the accepted time window")
    if sig.expires is not None and now_s > sig.expires + skew:
        return Rejected("signature has expired")
    return None


def _choose(
    entries: list[MessageSignature | Rejected], has_body: bool
) -> MessageSignature | Rejected:
    """The first well-formed signature whose coverage is acceptable, else the first problem."""
    problems: list[Rejected] = []
    for entry in entries:
        problem = entry if isinstance(entry, Rejected) else _coverage_problem(entry, has_body)
        if problem is None and isinstance(entry, MessageSignature):
            return entry
        problems.append(problem or Rejected("no usable signature"))
    return problems[0] if problems else Rejected("Signature-Input has no signatures")


def read(
    method: str,
    url: str,
    fields: Fields,
    body: bytes | None,
    now: datetime,
    max_skew: timedelta,
) -> SignatureClaim | Rejected:
    """Parse and check an RFC 9421 signature (§3.2); the key check is left to the caller."""
    try:
        request = request_parts(method, url, fields)
    except BadURL:
        return Rejected("request URL is not valid")
    entries = parse_signatures(fields)
    if isinstance(entries, Rejected):
        return entries
    sig = _choose(entries, request.method == "POST" or bool(body))
    if isinstance(sig, Rejected):
        return sig
    problem = _time_problem(sig, now, max_skew)
    if problem:
        return problem
    base = signature_base(sig.components, request)
    if isinstance(base, Rejected):
        return base
    if "content-digest" in sig.covered:
        digest = combined_value(fields, "content-digest") or ""
        mismatch = content_digest_problem(digest, body or b"")
        if mismatch:
            return Rejected(mismatch)
    return SignatureClaim(sig.key_id, "rfc9421", sig.algorithm, base, sig.signature)


def sign(
    method: str,
    url: str,
    headers: Mapping[str, str],
    body: bytes | None,
    *,
    key_id: str,
    private_key: PrivateKey,
    now: datetime,
    label: str = DEFAULT_LABEL,
) -> dict[str, str]:
    """Sign a request (§3.1); returns every header to send. Raises ValueError/BadURL."""
    method = method.upper()
    authority = split_url(url)[1]
    out = without_fields(headers, {"date", "content-digest", "signature", "signature-input"})
    if not any(name.lower() == "host" for name in out):
        out["Host"] = authority
    out["Date"] = format_datetime(now.astimezone(UTC), usegmt=True)
    components = InnerList()
    for name in ("@method", "@target-uri"):
        components.append(name)
    if method == "POST" or body is not None:
        out["Content-Digest"] = content_digest_header(body or b"")
        components.append("content-digest")
    components.params["created"] = int(now.timestamp())
    components.params["keyid"] = key_id
    from cryptography.hazmat.primitives.asymmetric import rsa

    rsa_key = isinstance(private_key, rsa.RSAPrivateKey)
    components.params["alg"] = "rsa-v1_5-sha256" if rsa_key else "ed25519"
    base = signature_base(components, request_parts(method, url, header_fields(out)))
    if isinstance(base, Rejected):
        raise ValueError(f"cannot sign this request: {base.reason}")
    signature = base64.b64encode(private_sign(private_key, base)).decode("ascii")
    out["Signature-Input"] = f"{label}={components}"
    out["Signature"] = f"{label}=:{signature}:"
    return out
