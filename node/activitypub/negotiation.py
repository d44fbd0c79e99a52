"""Content negotiation between ActivityStreams JSON and HTML (pure functions).

ActivityPub §3.2: a client retrieving an object asks for
``application/ld+json; profile="https://www.w3.org/ns/activitystreams"``, and servers
treat ``application/activity+json`` the same. Mastodon sends
``application/activity+json, application/ld+json``; GoToSocial sends the ld+json profile
form; browsers send ``text/html`` with ``*/*;q=0.8``.

Selection follows RFC 9110 §12.5.1: the most specific matching media range gives each
representation its quality; ``q=0`` means "not acceptable". ActivityStreams JSON wins
only when its quality is higher than HTML's, or equal while the client named an AS type
explicitly; ``*/*`` alone therefore yields HTML.

On the response side Mastodon accepts only ``application/activity+json`` or
``application/ld+json`` with a quoted AS profile (``valid_activitypub_content_type?`` in
``app/helpers/jsonld_helper.rb``), so those two exact strings are what we send.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Final

ACTIVITY_JSON: Final = "application/activity+json"
AS_PROFILE: Final = "https://www.w3.org/ns/activitystreams"
LD_JSON: Final = "application/ld+json"
LD_JSON_AS: Final = f'{LD_JSON}; profile="{AS_PROFILE}"'
AS_CONTENT_TYPES: Final = (ACTIVITY_JSON, LD_JSON_AS)

MAX_RANGES = 64  # an Accept header with more ranges is truncated, bounding the work
_EXPLICIT = 2  # specificity of a range that names the type/subtype


@dataclass(frozen=True)
class MediaRange:
    """One ``type/subtype;params;q=`` element of an Accept header."""

    type: str
    subtype: str
    params: dict[str, str] = field(default_factory=dict)
    q: float = 1.0


def _split_outside_quotes(text: str, sep: str) -> list[str]:
    parts: list[str] = []
    current: list[str] = []
    quoted = escaped = False
    for ch in text:
        if escaped:
            escaped = False
        elif ch == "\\" and quoted:
            escaped = True
        elif ch == '"':
            quoted = not quoted
        elif ch == sep and not quoted:
            parts.append("".join(current))
            current = []
            continue
        current.append(ch)
    parts.append("".join(current))
    return parts


def _unquote(value: str) -> str:
    value = value.strip()
    if len(value) >= 2 and value[0] == value[-1] == '"':
        return value[1:-1].replace('\\"', '"').replace("\\\\", "\\")
    return value


def _parse_range(element: str) -> MediaRange | None:
    pieces = _split_outside_quotes(element, ";")
    kind, slash, sub = pieces[0].strip().lower().partition("/")
    if not slash or not kind or not sub or (kind == "*" and sub != "*"):
        return None
    params: dict[str, str] = {}
    q = 1.0
    for piece in pieces[1:]:
        name, eq, value = piece.partition("=")
        name = name.strip().lower()
        if not eq or not name:
            continue
        if name == "q":
            try:
                q = float(value.strip())
            except ValueError:
                return None
            if not 0.0 <= q <= 1.0:
                return None
        else:
            params[name] = _unquote(value)
    return MediaRange(kind, sub, params, q)


def parse_accept(header: str | None) -> list[MediaRange]:
    """The valid media ranges of an Accept header; malformed elements are skipped."""
    if not header:
        return []
    ranges = (_parse_range(e) for e in _split_outside_quotes(header, ",")[:MAX_RANGES])
    return [r for r in ranges if r is not None]


def _has_as_profile(params: dict[str, str]) -> bool:
    return AS_PROFILE in params.get("profile", "").split()


def _specificity(rng: MediaRange, kind: str, sub: str, ld_profile: bool) -> int:
    """-1 when ``rng`` does not match ``kind/sub``; else 0 (``*/*``) up to 3 (AS profile).

    With ``ld_profile`` a ``profile`` parameter must list the AS namespace to match.
    """
    if rng.type == "*":
        return 0
    if rng.type != kind:
        return -1
    if rng.subtype == "*":
        return 1
    if rng.subtype != sub:
        return -1
    if ld_profile and "profile" in rng.params:
        return 3 if _has_as_profile(rng.params) else -1
    return _EXPLICIT


def _quality(ranges: list[MediaRange], kind: str, sub: str, ld: bool = False) -> tuple[float, int]:
    """(q, specificity) of the representation under the most specific matching range."""
    best_spec, best_q = -1, 0.0
    for rng in ranges:
        spec = _specificity(rng, kind, sub, ld)
        if spec > best_spec or (spec == best_spec and spec >= 0 and rng.q > best_q):
            best_spec, best_q = spec, rng.q
    return (best_q, best_spec) if best_spec >= 0 else (0.0, -1)


def preferred_as_type(accept: str | None) -> str | None:
    """The AS content type to answer ``accept`` with, or None when HTML is preferred."""
    ranges = parse_accept(accept)
    activity = _quality(ranges, "application", "activity+json")
    ld = _quality(ranges, "application", "ld+json", ld=True)
    html = _quality(ranges, "text", "html")
    best = max(activity, ld)
    if best[0] <= 0.0:
        return None
    if best[0] < html[0] or (best[0] == html[0] and best[1] < max(html[1], _EXPLICIT)):
        return None
    return LD_JSON_AS if ld[0] > activity[0] else ACTIVITY_JSON


def wants_activity_json(accept: str | None) -> bool:
    """True when the client prefers ActivityStreams JSON over HTML."""
    return preferred_as_type(accept) is not None


def is_as_content_type(content_type: str | None) -> bool:
    """True for a Content-Type that is an ActivityStreams media type (ActivityPub §3.2).

    ``application/activity+json`` with any parameters, or ``application/ld+json`` whose
    ``profile`` lists the AS namespace; ``application/json`` is not (Mastodon
    CVE-2024-25623).
    """
    if not content_type:
        return False
    rng = _parse_range(content_type)
    if rng is None:
        return False
    if (rng.type, rng.subtype) == ("application", "activity+json"):
        return True
    return (rng.type, rng.subtype) == ("application", "ld+json") and _has_as_profile(rng.params)


def prefers_html(accept: str | None) -> bool:
    """True for a browser: it names HTML (``text/html`` or ``text/*``) and does not prefer
    ActivityStreams JSON. ``*/*`` alone (curl) and no Accept at all are programs."""
    quality, specificity = _quality(parse_accept(accept), "text", "html")
    return quality > 0.0 and specificity >= 1 and preferred_as_type(accept) is None
