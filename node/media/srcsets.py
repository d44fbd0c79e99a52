"""``srcset`` for this node's own images, from the widths stored with each upload.

An uploaded image is kept at up to three widths (:data:`node.media.checks.WIDTHS`); a
document links only to the largest (its ``url``). A page showing it lists every stored
width in ``srcset`` with a ``sizes`` hint (HTML Living Standard, "Images": the browser
picks the smallest file that fills the slot at the screen's pixel density), so a phone
loads the 320 or 640 px file instead of the 1280 px one. Remote images go through the
proxy at one width and get no ``srcset``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from sqlalchemy import Connection, select

from node.media.models import Media
from node.media.service import local_name, media_url

_media = Media.__table__  # type: ignore[attr-defined]

#: The ``sizes`` of an image in a ``<figure>`` as wide as the page's column (``main``:
#: 42rem less 2rem of padding, the whole viewport less it on a narrower screen), less the
#: figure's 40px margins each side (HTML Living Standard, rendering: ``figure``).
COLUMN_SIZES = "(max-width: 42rem) calc(100vw - 2rem - 80px), calc(40rem - 80px)"


def srcset_of(base_url: str, variants: Sequence[Mapping[str, Any]]) -> str:
    """``url 320w, url 640w, ...`` of the stored variants; "" for fewer than two."""
    entries = [f"{media_url(base_url, v['name'])} {v['width']}w" for v in variants
               if isinstance(v.get("name"), str) and isinstance(v.get("width"), int)]
    return ", ".join(entries) if len(entries) > 1 else ""


def srcsets(conn: Connection, base_url: str, urls: Iterable[str]) -> dict[str, str]:
    """The ``srcset`` of each of ``urls`` that is an upload to this node (one query)."""
    names = {name: url for url in urls if (name := local_name(base_url, url))}
    if not names:
        return {}
    rows = conn.execute(select(_media.c.name, _media.c.variants)
                        .where(_media.c.name.in_(names)).order_by(_media.c.id))
    found = {row.name: srcset_of(base_url, row.variants or ()) for row in rows}
    return {names[name]: value for name, value in found.items() if value}
