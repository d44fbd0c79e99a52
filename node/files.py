"""Files written whole: a reader sees the old content or the new, never a part.

``path.write_text`` truncates first and writes after, so a second process (a command
typed while ``ionode serve`` boots, a worker starting beside the web process) can read an
empty file in between: CI saw ``node.json`` read as "Expecting value: line 1 column 1".
Writing a temporary file in the same directory and renaming it over the target is atomic
on POSIX (rename(2)); linking it instead creates the target only if it is absent.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def write_atomically(path: Path, data: bytes) -> None:
    """Replace ``path`` with ``data`` in one step; the file is readable by its owner only
    (``mkstemp`` creates it with mode 0600), which suits keys and settings alike."""
    _written(path, data, os.replace)


def create_atomically(path: Path, data: bytes) -> bool:
    """Create ``path`` holding ``data`` unless it exists; whether this call created it.

    Two processes starting at once both find no secret key; with ``link(2)`` one of them
    creates it and the other reads that one, instead of each keeping a key of its own.
    """
    try:
        _written(path, data, os.link)
    except FileExistsError:
        return False
    return True


def _written(path: Path, data: bytes, publish: Callable[[str, Path], None]) -> None:
    """Write ``data`` to a new temporary file beside ``path``, then ``publish`` it there
    (rename or link); the temporary name is gone afterwards, whatever happened."""
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(data)
        publish(tmp, path)
    finally:
        Path(tmp).unlink(missing_ok=True)
