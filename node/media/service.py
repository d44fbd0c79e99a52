"""Uploaded images: stored, recorded with their alt text, and described on the wire.

An image is federated as an ActivityStreams ``Image`` (Activity Vocabulary 3.3: ``icon``
and ``image`` of an actor) or, on a Note or Event, an ``attachment`` of type ``Image``
(Mastodon reads ``Image`` and ``Document`` alike), with ``mediaType``, ``url``,
``width``, ``height``, Mastodon's ``blurhash`` and ``name`` (the alt text, which
Mastodon shows as the description). The ``url`` is the largest variant's, served by
:mod:`node.media.views` at ``/media/<sha256>.<ext>``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection, insert, select

from node.media.checks import ProcessedImage, check_alt
from node.media.models import Media
from node.media.store import NAME_RE, MediaStore, disk_store

if TYPE_CHECKING:
    from node.runtime import Node

_media = Media.__table__  # type: ignore[attr-defined]
MEDIA_PATH = "/media/"


@dataclass(frozen=True)
class StoredImage:
    """One uploaded image as a document describes it."""

    name: str
    alt: str
    media_type: str
    width: int
    height: int
    blurhash: str
    variants: tuple[Mapping[str, Any], ...]

    def url(self, base_url: str) -> str:
        return media_url(base_url, self.name)

    def as_object(self, base_url: str, kind: str = "Image") -> dict[str, Any]:
        """The ``Image`` (or ``Document``) object of this image."""
        return {"type": kind, "mediaType": self.media_type, "url": self.url(base_url),
                "width": self.width, "height": self.height, "blurhash": self.blurhash,
                "name": self.alt}


def media_url(base_url: str, name: str) -> str:
    return f"{base_url}{MEDIA_PATH}{name}"


def local_name(base_url: str, url: str) -> str | None:
    """The stored file a URL of this node's ``/media/`` points at, else None."""
    prefix = f"{base_url}{MEDIA_PATH}"
    if not url.startswith(prefix):
        return None
    name = url[len(prefix):]
    return name if NAME_RE.fullmatch(name) else None


def save_image(conn: Connection, store: MediaStore, image: ProcessedImage, *, owner_uri: str,
               alt: str, now: datetime) -> StoredImage:
    """Write the variants and record the upload by ``owner_uri`` with its alt text.

    Files are written first (idempotent, content-addressed): a transaction that rolls
    back afterwards leaves unreferenced files, never a row without its file.
    """
    alt = check_alt(alt)
    for variant in image.variants:
        store.put(variant.name, variant.data)
    largest = image.largest
    variants = [{"name": v.name, "width": v.width, "height": v.height} for v in image.variants]
    conn.execute(insert(_media).values(
        name=largest.name, owner_uri=owner_uri, alt=alt, media_type=largest.media_type,
        width=largest.width, height=largest.height, blurhash=image.blurhash,
        variants=variants, byte_size=sum(len(v.data) for v in image.variants),
        created_at=now))
    return StoredImage(largest.name, alt, largest.media_type, largest.width, largest.height,
                       image.blurhash, tuple(variants))


def find_image(conn: Connection, base_url: str, url: str, owner_uri: str) -> StoredImage | None:
    """The latest upload by ``owner_uri`` that ``url`` (a ``/media/`` URL) shows."""
    name = local_name(base_url, url)
    if name is None:
        return None
    row = conn.execute(select(_media).where(_media.c.name == name,
                                            _media.c.owner_uri == owner_uri)
                       .order_by(_media.c.id.desc()).limit(1)).first()
    if row is None:
        return None
    return StoredImage(row.name, row.alt, row.media_type, row.width, row.height, row.blurhash,
                       tuple(row.variants or ()))


def describe(conn: Connection, base_url: str, url: str, owner_uri: str) -> dict[str, Any]:
    """The ``Image`` object for ``url``: in full when it is an upload of ``owner_uri``,
    else just its ``url`` (an image set by URL, ``ionode hub set --avatar``)."""
    found = find_image(conn, base_url, url, owner_uri)
    return found.as_object(base_url) if found else {"type": "Image", "url": url}




def store_of(node: Node) -> MediaStore:
    """The node's media store: the one its services were given, else ``<data>/media``."""
    return node.services.media_store or disk_store(node.settings.data_dir)
