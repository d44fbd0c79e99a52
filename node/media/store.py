"""Where image files live: behind :class:`MediaStore`, so an object store can come later.

Files are content-addressed (``<sha256>.<ext>``, :func:`node.media.images.variant_name`):
writing one twice is harmless, and a name never changes meaning, so it is served as
``immutable``. :class:`DiskStore` keeps them under ``<data>/media/``, written to a
temporary file and renamed so a reader never sees half a file.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Protocol

from node.files import write_atomically

NAME_RE = re.compile(r"^[0-9a-f]{64}\.(jpg|png)$")
MEDIA_TYPES = {"jpg": "image/jpeg", "png": "image/png"}


def media_type_of(name: str) -> str:
    """The Content-Type of a stored file, from the extension this node gave it."""
    return MEDIA_TYPES[name.rsplit(".", 1)[1]]


class MediaStore(Protocol):
    """The operations media handling needs; names are checked against :data:`NAME_RE`."""

    def put(self, name: str, data: bytes) -> None: ...

    def get(self, name: str) -> bytes | None: ...

    def delete(self, name: str) -> None: ...


class DiskStore:
    """Files in one directory of the node's data directory."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, name: str) -> Path:
        if not NAME_RE.fullmatch(name):
            raise ValueError(f"not a media file name: {name!r}")
        return self.root / name[:2] / name

    def put(self, name: str, data: bytes) -> None:
        path = self._path(name)
        if path.exists():
            return  # same name, same bytes
        path.parent.mkdir(parents=True, exist_ok=True)
        write_atomically(path, data)

    def get(self, name: str) -> bytes | None:
        try:
            return self._path(name).read_bytes()
        except (FileNotFoundError, ValueError):
            return None

    def delete(self, name: str) -> None:
        self._path(name).unlink(missing_ok=True)


def disk_store(data_dir: Path) -> DiskStore:
    """The node's store: ``<data>/media``."""
    return DiskStore(data_dir / "media")

