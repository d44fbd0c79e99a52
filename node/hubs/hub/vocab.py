"""ionode's one JSON-LD extension context, and the FEP-8a8e event terms it builds on.

ARCHITECTURE.md section 3: extension terms (recurrence, call details, item kind) live in
ONE documented context whose namespace is the same on every node:
:data:`NAMESPACE` (``https://w3id.org/ionode/ns#``, prefix ``ionode``). Receivers do not
fetch it (Mastodon reads compacted JSON by term name), so every document embeds
:func:`event_context` inline; ``/ns`` serves the same terms as ``application/ld+json``.
Every extension is optional for receivers: a Mastodon user reads the call details in
words in ``summary`` and ``content``.

ionode terms (all in :data:`NAMESPACE`):

* ``itemKind``: the hub content kind (``event``, ``call``, ``update`` ...).
* ``callUrl`` (IRI), ``dialIn``, ``accessCode``, ``facilitator``: how to join a call.
* ``agenda``: the call's agenda as Markdown source (rendered into ``content``).
* ``breakoutRooms``: an ordered list of breakout room names.
* ``rrule``: an RFC 5545 RRULE value (section 3.3.10) of a call series, ``UNTIL`` in UTC,
  interpreted in the event's ``timezone``.
* ``series`` (IRI): the series Event an occurrence belongs to.
* ``recurrenceId``: the occurrence's original start (RFC 5545 RECURRENCE-ID, UTC); a
  moved occurrence keeps it while its ``startTime`` changes.
* ``postedTo`` (set of IRIs): every hub a cross-posted item was addressed to, here and on
  other nodes (:mod:`node.hubs.crosspost.targets`).
* ``noticeKind``: what a notice Note says of its event (``moved``, ``cancelled``,
  ``ended``: a call series cancelled, ``joining``: a new way to join), recorded where the
  notice is made so pages say it in their reader's language (:mod:`node.hubs.hub.notices`).

FEP-8a8e terms (``https://w3id.org/fep/8a8e/``): ``timezone``, ``joinMode``,
``attendees``, ``eventStatus``; schema.org ``maximumAttendeeCapacity``,
``VirtualLocation``, ``address`` (spelled ``http://schema.org#`` as Mastodon and
Mobilizon do); and Mobilizon's ``ical:status`` fallback for cancellation.
"""

from __future__ import annotations

import copy
from typing import Any, Final

from node.activitypub.context import AS, DATA_INTEGRITY_V1, EXTENSION_TERMS

NAMESPACE: Final = "https://w3id.org/ionode/ns#"
FEP_8A8E: Final = "https://w3id.org/fep/8a8e/"
ICAL_NS: Final = "http://www.w3.org/2002/12/cal/ical#"
EVENT_CANCELLED: Final = f"{FEP_8A8E}EventCancelled"
EVENT_SCHEDULED: Final = f"{FEP_8A8E}EventScheduled"
EVENT_RESCHEDULED: Final = f"{FEP_8A8E}EventRescheduled"


def _iri(term: str) -> dict[str, str]:
    return {"@id": term, "@type": "@id"}


TERMS: Final[dict[str, Any]] = {
    "ionode": NAMESPACE,
    "itemKind": "ionode:itemKind",
    "callUrl": _iri("ionode:callUrl"),
    "dialIn": "ionode:dialIn",
    "accessCode": "ionode:accessCode",
    "facilitator": "ionode:facilitator",
    "agenda": "ionode:agenda",
    "breakoutRooms": {"@id": "ionode:breakoutRooms", "@container": "@list"},
    "rrule": "ionode:rrule",
    "series": _iri("ionode:series"),
    "recurrenceId": {"@id": "ionode:recurrenceId",
                     "@type": "http://www.w3.org/2001/XMLSchema#dateTime"},
    "postedTo": {"@id": "ionode:postedTo", "@type": "@id", "@container": "@set"},
    "noticeKind": "ionode:noticeKind",
}

EVENT_TERMS: Final[dict[str, Any]] = {
    "ical": ICAL_NS,
    "timezone": f"{FEP_8A8E}timezone",
    "joinMode": f"{FEP_8A8E}joinMode",
    "attendees": _iri(f"{FEP_8A8E}attendees"),
    "eventStatus": _iri(f"{FEP_8A8E}eventStatus"),
    "maximumAttendeeCapacity": "schema:maximumAttendeeCapacity",
    "VirtualLocation": "schema:VirtualLocation",
    "address": "schema:address",
}


def ionode_context_document() -> dict[str, Any]:
    """The document ``/ns`` serves: ionode's terms, the same on every node."""
    return {"@context": copy.deepcopy(TERMS)}


def event_context() -> list[Any]:
    """``@context`` of an Event: AS, Data Integrity, Mastodon's, FEP-8a8e and ionode terms."""
    terms = {**copy.deepcopy(EXTENSION_TERMS), **copy.deepcopy(EVENT_TERMS),
             **copy.deepcopy(TERMS)}
    return [AS, DATA_INTEGRITY_V1, terms]
