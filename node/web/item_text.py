"""An item's stored HTML and ActivityStreams fields as the organizer pages show them.

Plain text for lists and snippets, the text an edit starts from, and an event's time in
words; nothing here renders HTML (the templates escape what these return).
"""

from __future__ import annotations

import html
import re
from collections.abc import Mapping
from typing import Any

from node.hubs.events.rules import spec_from_document
from node.web import dates

_BREAKS = re.compile(r"</p>|<br\s*/?>|</li>", re.IGNORECASE)
_ATTACHMENTS = "<p>Attachments:</p>"


def plain_text(content: str, limit: int | None = None) -> str:
    """Stored HTML as plain text: paragraphs and breaks become line ends."""
    import nh3

    text = html.unescape(nh3.clean(_BREAKS.sub("\n", content), tags=set()))
    text = "\n".join(line.strip() for line in text.split("\n")).strip()
    text = re.sub(r"\n{3,}", "\n\n", text)
    if limit is not None and len(text) > limit:
        return text[: limit - 1].rstrip() + "…"
    return text


def source_text(document: Mapping[str, Any]) -> str:
    """Text to start an edit from: the Markdown source if kept, else the content as text.

    The attachments list that :func:`node.hubs.hub.articles.article_html` appends is left out,
    since an edit appends it again.
    """
    source = document.get("source")
    if isinstance(source, Mapping) and isinstance(source.get("content"), str):
        return str(source["content"])
    content = str(document.get("content") or "")
    if document.get("attachment") and _ATTACHMENTS in content:
        content = content[: content.rindex(_ATTACHMENTS)]
    return plain_text(content).replace("\n", "\n\n")


def text_of(document: Mapping[str, Any], key: str) -> str:
    value = document.get(key)
    return value if isinstance(value, str) else ""


def event_timing(document: Mapping[str, Any],
                 lang: str) -> tuple[str, str, str, bool]:
    """(when in ``lang``'s words with its zone, timezone, datetime-local start value,
    cancelled) of our Event. The words are CLDR's (:mod:`node.web.dates`), as on the hub
    page: the manage page of a Spanish reader said "Tue 8 Dec 2026, 7:00 PM"."""
    if document.get("type") != "Event":
        return "", "", "", False
    try:
        spec = spec_from_document(dict(document))
    except (KeyError, TypeError, ValueError):
        return "", "", "", False
    end = spec.end if spec.end > spec.start else None  # no end: just its start
    when = f"{dates.span(spec.start, end, spec.timezone, lang)} ({spec.timezone})"
    return when, spec.timezone, spec.start.strftime("%Y-%m-%dT%H:%M"), spec.cancelled
