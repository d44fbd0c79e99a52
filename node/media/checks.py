"""The rules of images that need no image library: caps, refusals, alt text, widths.

Kept apart from :mod:`node.media.images` so that what only names an image (the
services, the forms, the store) does not load Pillow: a serving node imports it at
the first upload or proxied image (tests/node/test_startup_imports.py).
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

#: What Pillow's sniffing may find, and the media type we say we received.
ACCEPTED = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp",
            "GIF": "image/gif"}
MAX_BYTES = 10 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a 48 MP phone photo is refused; 40 MP decodes to ~160 MB RGBA
WIDTHS = (320, 640, 1280)
EXTENSIONS = {"image/jpeg": "jpg", "image/png": "png"}


#: The refusals, as the forms show them (node.web.uploads marks the same sentences
#: for translation; a unit test keeps the two lists equal).
TOO_LARGE = "The image is too large: at most 10 MB."
NOT_AN_IMAGE = "The file is not a JPEG, PNG, WebP or GIF image."
TOO_MANY_PIXELS = "The image has too many pixels: at most 40 million."
DAMAGED = "The image could not be read: the file is damaged."
NO_ALT = "Describe the image for people who cannot see it (alt text)."
ALT_TOO_LONG = "The alt text is too long: at most 1500 characters."
MESSAGES = (TOO_LARGE, NOT_AN_IMAGE, TOO_MANY_PIXELS, DAMAGED, NO_ALT, ALT_TOO_LONG)
MAX_ALT = 1500  # Mastodon's limit on a media description


class ImageError(ValueError):
    """An upload or a fetched image refused; the message is for the person who sent it."""


def check_alt(alt: str) -> str:
    """Alt text is required (WCAG 1.1.1) and federated as the image's ``name``."""
    alt = " ".join(alt.split())
    if not alt:
        raise ImageError(NO_ALT)
    if len(alt) > MAX_ALT:
        raise ImageError(ALT_TOO_LONG)
    return alt


@dataclass(frozen=True)
class Variant:
    """One re-encoded size: its bytes, file name (content hash) and dimensions."""

    data: bytes
    name: str
    width: int
    height: int
    media_type: str


@dataclass(frozen=True)
class ProcessedImage:
    """An accepted image: its variants, smallest first, and its blurhash."""

    variants: tuple[Variant, ...]
    blurhash: str
    source_type: str  # the sniffed media type of what was received

    @property
    def largest(self) -> Variant:
        return self.variants[-1]


def target_widths(width: int, widths: Sequence[int] = WIDTHS) -> list[int]:
    """The widths to make of an image ``width`` wide: the listed ones below it, and its own
    width capped at the largest (never upscaled)."""
    own = min(width, max(widths))
    return sorted({*(w for w in widths if w < own), own})


def variant_name(data: bytes, media_type: str) -> str:
    """A content-addressed file name: the SHA-256 of the bytes and their extension."""
    return f"{hashlib.sha256(data).hexdigest()}.{EXTENSIONS[media_type]}"
