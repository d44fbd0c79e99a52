"""What a received Event says, read whole so nothing of its source's format is lost when
it is shown (issue 9 item 3), pure.

Each server says things its own way (FEDERATION.md, "Events of other software"):

* Mobilizon: ``location`` a ``Place`` with a schema.org ``PostalAddress`` and
  coordinates, ``timezone``, ``ical:status`` and ``status`` (CONFIRMED, TENTATIVE,
  CANCELLED), ``joinMode`` (free, restricted, invite, external) with
  ``externalParticipationUrl``, ``anonymousParticipationEnabled``, ``category``,
  ``repliesModerationOption``, capacity and participant counts, ``inLanguage``, ``draft``,
  its online address as an ``attachment`` ``Link`` named "Website" and further details
  as ``PropertyValue`` attachments, the banner as a ``Document``.
* Gancio: ``startTime``/``endTime`` with the instance's offset and no ``timezone``,
  ``location`` a ``Place`` with a plain-text ``address``, online places as ``Link``
  attachments, the flyer as a ``Document`` attachment, ``summary`` the place and date.
* FEP-8a8e and ionode: ``eventStatus``, ``VirtualLocation``, ``timezone``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from node.activitypub.vocab import ref

FEP_8A8E = "https://w3id.org/fep/8a8e#"
STATUSES = {"CANCELLED": "cancelled", "TENTATIVE": "tentative", "CONFIRMED": "confirmed",
            "EVENTCANCELLED": "cancelled", "EVENTSCHEDULED": "confirmed",
            "EVENTRESCHEDULED": "confirmed", "EVENTPOSTPONED": "tentative"}
PLACE_KEYS = ("streetAddress", "postalCode", "addressLocality", "addressRegion",
              "addressCountry")
MAX_ITEMS = 20


def _text(value: Any, limit: int = 500) -> str:
    return " ".join(value.split())[:limit] if isinstance(value, str) else ""


def _url(value: Any) -> str:
    """An http(s) URL (a string or a Link's ``href``), else ""."""
    if isinstance(value, Mapping):
        value = value.get("href") or value.get("url")
    if isinstance(value, list):
        return next((u for u in (_url(v) for v in value) if u), "")
    text = _text(value, 2000)
    return text if text.startswith(("https://", "http://")) else ""


@dataclass(frozen=True)
class PlaceFacts:
    name: str
    address: str
    latitude: float | None = None
    longitude: float | None = None


@dataclass(frozen=True)
class EventFacts:
    """Everything a reader may need of a received Event, as text and checked URLs."""

    original: str
    status: str = ""  # confirmed | tentative | cancelled | ""
    places: list[PlaceFacts] = field(default_factory=list)
    online: list[str] = field(default_factory=list)
    timezone: str = ""
    join_mode: str = ""
    participation_url: str = ""
    anonymous: bool | None = None
    category: str = ""
    replies: str = ""
    capacity: int | None = None
    remaining: int | None = None
    participants: int | None = None
    language: str = ""
    draft: bool = False
    images: list[str] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)


def status_of(doc: Mapping[str, Any]) -> str:
    """FEP-8a8e ``eventStatus``, else ``ical:status``/``status`` (Mobilizon)."""
    for key in ("eventStatus", "ical:status", "status"):
        value = _text(doc.get(key)).removeprefix(FEP_8A8E).removeprefix("schema:")
        value = value.rsplit("/", 1)[-1].upper()
        if value in STATUSES:
            return STATUSES[value]
    return ""


def _number(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _coordinate(value: Any) -> float | None:
    return float(value) if isinstance(value, int | float) and not isinstance(value, bool) \
        else None


def _place(value: Mapping[str, Any]) -> PlaceFacts | None:
    address = value.get("address")
    if isinstance(address, Mapping):
        text = ", ".join(t for t in (_text(address.get(k)) for k in PLACE_KEYS) if t)
    else:
        text = _text(address)
    name = _text(value.get("name"))
    if not (name or text):
        return None
    return PlaceFacts(name or text, text if name and text != name else "",
                      _coordinate(value.get("latitude")), _coordinate(value.get("longitude")))


def _locations(value: Any) -> tuple[list[PlaceFacts], list[str]]:
    places, online = [], []
    for item in (value if isinstance(value, list) else [value])[:MAX_ITEMS]:
        if isinstance(item, Mapping) and item.get("type") == "VirtualLocation":
            if url := _url(item.get("url")):
                online.append(url)
        elif isinstance(item, Mapping):
            if (place := _place(item)) is not None:
                places.append(place)
        elif url := _url(item):
            online.append(url)
    return places, online


def _attachments(value: Any) -> tuple[list[str], list[str], list[tuple[str, str]]]:
    """Online links (Mobilizon's "Website", Gancio's online places), images and
    ``PropertyValue`` details."""
    online, images, details = [], [], []
    for item in (value if isinstance(value, list) else [])[:MAX_ITEMS]:
        if not isinstance(item, Mapping):
            continue
        kind, media = item.get("type"), _text(item.get("mediaType"))
        if kind == "Link" and (url := _url(item)) and not media.startswith("image/"):
            online.append(url)
        elif kind in ("Document", "Image") or media.startswith("image/"):
            if url := _url(item.get("url") or item.get("href")):
                images.append(url)
        elif kind == "PropertyValue" and (name := _text(item.get("name"), 100)):
            details.append((name, _text(item.get("value"))))
    return online, images, details


def original_url(doc: Mapping[str, Any]) -> str:
    """The Event's page on its server: ``url`` (a string, a Link, a list), else its id."""
    return _url(doc.get("url")) or _url(ref(doc) or "")


def event_facts(doc: Mapping[str, Any]) -> EventFacts:
    places, online = _locations(doc.get("location"))
    linked, images, details = _attachments(doc.get("attachment"))
    anonymous = doc.get("anonymousParticipationEnabled")
    return EventFacts(
        original=original_url(doc), status=status_of(doc), places=places,
        online=list(dict.fromkeys(online + linked)), timezone=_text(doc.get("timezone"), 64),
        join_mode=_text(doc.get("joinMode"), 32),
        participation_url=_url(doc.get("externalParticipationUrl")),
        anonymous=anonymous if isinstance(anonymous, bool) else None,
        category=_text(doc.get("category"), 64),
        replies=_text(doc.get("repliesModerationOption"), 32),
        capacity=_number(doc.get("maximumAttendeeCapacity")),
        remaining=_number(doc.get("remainingAttendeeCapacity")),
        participants=_number(doc.get("participantCount")),
        language=_text(doc.get("inLanguage"), 16), draft=doc.get("draft") is True,
        images=images, details=details)
