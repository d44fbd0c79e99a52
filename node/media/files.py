"""Images given as files (the command line) and images attached to an item.

``ionode hub image``, ``ionode post --image`` and ``ionode event create --image`` read the
file with the same byte cap as the forms (:data:`node.media.checks.MAX_BYTES`, read at
most one byte over it) and refuse with the same sentences (:mod:`node.media.checks`);
the forms and the commands then store the image the same way, by its poster, and put
its ``Image`` object in the item's ``attachment`` (:func:`attach`).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from sqlalchemy import Connection

from node.media.checks import MAX_BYTES, TOO_LARGE, ImageError, ProcessedImage, check_alt
from node.media.service import save_image, store_of

if TYPE_CHECKING:
    from node.runtime import Node


def read_image_file(path: str) -> bytes:
    """The file's bytes; :class:`ImageError` over the cap, :class:`OSError` if unreadable."""
    with Path(path).open("rb") as file:
        data = file.read(MAX_BYTES + 1)
    if len(data) > MAX_BYTES:
        raise ImageError(TOO_LARGE)
    return data


def checked_file(path: str, alt: str) -> tuple[ProcessedImage, str]:
    """The image at ``path``, checked and re-encoded, and its alt text (checked first, as
    the forms do, so a missing description is refused before any decoding)."""
    alt = check_alt(alt)
    data = read_image_file(path)
    from node.media.images import process  # Pillow: only when an image is given

    return process(data), alt


def attach(node: Node, conn: Connection, image: ProcessedImage, alt: str,
           owner_uri: str) -> dict[str, Any]:
    """Store ``image`` as an upload by ``owner_uri`` and return its ``Image`` object, the
    ``attachment`` of a Note or Event (:meth:`node.media.service.StoredImage.as_object`)."""
    stored = save_image(conn, store_of(node), image, owner_uri=owner_uri, alt=alt,
                        now=node.clock())
    return stored.as_object(node.settings.url)
