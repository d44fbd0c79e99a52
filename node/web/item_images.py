"""The images attached to an item, as pages show them (local or remote items alike).

An ``attachment`` of type ``Image`` or ``Document`` with an ``image/*`` ``mediaType``
(Mastodon's attachments are ``Document``) becomes an :class:`ImageView`; its ``name`` is
the alt text. Remote URLs are never put in a page as they are: templates pass
``image.url`` through the ``proxied`` global (:func:`node.media.proxy.proxied_url`), which
keeps this node's own ``/media/`` URLs and sends anything else through the signed proxy.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

MAX_SHOWN = 4  # as many as Mastodon attaches to a post
MAX_SIDE = 10_000


@dataclass(frozen=True)
class ImageView:
    url: str
    alt: str
    width: int | None
    height: int | None


def _url(value: Any) -> str:
    """``url`` as a string, or the ``href`` of the first Link of a list (AS2 allows both)."""
    if isinstance(value, list):
        value = value[0] if value else ""
    if isinstance(value, Mapping):
        value = value.get("href", "")
    return value if isinstance(value, str) else ""


def _side(value: Any) -> int | None:
    return value if isinstance(value, int) and 0 < value <= MAX_SIDE else None


def is_image(attachment: Mapping[str, Any]) -> bool:
    media_type = attachment.get("mediaType")
    if isinstance(media_type, str):
        return media_type.lower().startswith("image/")
    return attachment.get("type") == "Image"


def item_images(document: Mapping[str, Any]) -> tuple[ImageView, ...]:
    """The first :data:`MAX_SHOWN` image attachments of ``document``."""
    attachments = document.get("attachment")
    if isinstance(attachments, Mapping):
        attachments = [attachments]
    if not isinstance(attachments, list):
        return ()
    shown = []
    for attachment in attachments:
        if not isinstance(attachment, Mapping) or attachment.get("type") not in (
                "Image", "Document") or not is_image(attachment):
            continue
        url = _url(attachment.get("url"))
        if url:
            name = attachment.get("name")
            shown.append(ImageView(url, name if isinstance(name, str) else "",
                                   _side(attachment.get("width")),
                                   _side(attachment.get("height"))))
    return tuple(shown[:MAX_SHOWN])
