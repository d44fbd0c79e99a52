"""Checking and re-encoding images: the pure part of media handling (no I/O, no database).

Rules (SECURITY.md "Fetching", "Content"; issue 8 item 2):

* the type is sniffed from the bytes by Pillow, never taken from a file name or a
  ``Content-Type``; only JPEG, PNG, WebP and GIF (its first frame) are accepted;
* a byte-size cap before decoding, and a pixel cap read from the header before a single
  pixel is decoded (decompression bombs: a 100 kB PNG can declare 10 gigapixels);
  Pillow's own ``DecompressionBombError`` is a refusal too;
* orientation is applied (EXIF ``Orientation``), then every piece of metadata is dropped
  by re-encoding the pixels alone: EXIF (GPS position, camera serial), XMP, ICC, comments;
* a few widths (:data:`WIDTHS`), never upscaled; opaque images become JPEG, images with
  transparency PNG, which every fediverse server and browser reads;
* a blurhash (https://blurha.sh, Mastodon's ``blurhash`` attachment term) of the image.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

import blurhash
from PIL import Image, ImageOps, UnidentifiedImageError

from node.media.checks import (
    ACCEPTED,
    DAMAGED,
    MAX_BYTES,
    MAX_PIXELS,
    NOT_AN_IMAGE,
    TOO_LARGE,
    TOO_MANY_PIXELS,
    WIDTHS,
    ImageError,
    ProcessedImage,
    Variant,
    target_widths,
    variant_name,
)

JPEG_QUALITY = 85
ORIENTATION = 0x0112  # the EXIF tag


def sniff(data: bytes, *, max_bytes: int = MAX_BYTES,
          max_pixels: int = MAX_PIXELS) -> tuple[str, int, int]:
    """(media type, width, height) read from the header only; :class:`ImageError` if
    ``data`` is over the caps or not one of :data:`ACCEPTED`."""
    if len(data) > max_bytes:
        raise ImageError(TOO_LARGE)
    try:  # opening reads the header only; Pillow refuses > 179 MP itself
        with Image.open(io.BytesIO(data), formats=tuple(ACCEPTED)) as image:
            kind, (width, height) = image.format or "", image.size
    except Image.DecompressionBombError as exc:
        raise ImageError(TOO_MANY_PIXELS) from exc
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError) as exc:
        raise ImageError(NOT_AN_IMAGE) from exc
    if kind not in ACCEPTED:
        raise ImageError(NOT_AN_IMAGE)
    if width < 1 or height < 1 or width * height > max_pixels:
        raise ImageError(TOO_MANY_PIXELS)
    return ACCEPTED[kind], width, height


def _decoded(data: bytes, largest: int) -> Image.Image:
    """The first frame, oriented upright, as RGB or RGBA pixels with no metadata.

    A JPEG is decoded at the smallest of 1/2, 1/4, 1/8 scale still at least ``largest``
    pixels each way (``draft``): a 12 MP photo costs a quarter of the work. Any image is
    shrunk to ``largest`` pixels wide (once upright) right after decoding, before it is
    turned, converted or copied: each of those copies of a 40 MP image costs 160 MB."""
    with Image.open(io.BytesIO(data), formats=tuple(ACCEPTED)) as image:
        if image.format == "JPEG":
            image.draft("RGB", (largest, largest))
        image.seek(0)  # GIF and animated WebP: the first frame
        frame = _eight_bit(image)
        has_alpha = frame.mode in ("RGBA", "LA", "PA") or (
            frame.mode == "P" and "transparency" in frame.info)
        mode = "RGBA" if has_alpha else "RGB"
        if frame.mode not in ("RGB", "RGBA", "L", "LA"):  # palette, CMYK, 1-bit
            frame = frame.convert(mode)  # resizing a palette would pick, not blend
        small = _shrunk(frame, largest)
        upright = ImageOps.exif_transpose(small) or small
        pixels = upright.convert(mode)
    pixels.load()
    if pixels.mode == "RGBA" and pixels.getchannel("A").getextrema()[0] == 255:
        pixels = pixels.convert("RGB")  # fully opaque after all: a JPEG is smaller
    clean = Image.new(pixels.mode, pixels.size)  # no info, no EXIF: pixels only
    clean.paste(pixels)
    return clean


def _shrunk(image: Image.Image, largest: int) -> Image.Image:
    """``image`` at most ``largest`` pixels wide once upright (EXIF orientations 5 to 8
    turn it a quarter, so its height becomes the width); the EXIF goes along, for
    :func:`ImageOps.exif_transpose` to read afterwards."""
    turned = image.getexif().get(ORIENTATION) in (5, 6, 7, 8)
    width = image.height if turned else image.width
    if width <= largest:
        return image
    scale = largest / width
    size = (max(1, round(image.width * scale)), max(1, round(image.height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def _eight_bit(image: Image.Image) -> Image.Image:
    """16-bit greyscale (a PNG opens as ``I;16``) scaled to 8 bits: Pillow's
    ``convert("RGB")`` clips such samples at 255 instead of scaling them, so any tone
    above 1/256 of full scale would come out white."""
    if image.mode not in ("I", "I;16", "I;16B", "I;16L", "I;16N"):
        return image
    return image.convert("I").point(lambda value: value / 256).convert("L")


def _encode(image: Image.Image) -> tuple[bytes, str]:
    out = io.BytesIO()
    if image.mode == "RGBA":
        image.save(out, "PNG", optimize=True)
        return out.getvalue(), "image/png"
    image.save(out, "JPEG", quality=JPEG_QUALITY, optimize=True, progressive=True)
    return out.getvalue(), "image/jpeg"


def process(data: bytes, *, widths: Sequence[int] = WIDTHS, max_bytes: int = MAX_BYTES,
            max_pixels: int = MAX_PIXELS) -> ProcessedImage:
    """Check ``data`` and make its variants (CPU-bound: run it off the event loop)."""
    source_type, _w, _h = sniff(data, max_bytes=max_bytes, max_pixels=max_pixels)
    try:
        image = _decoded(data, max(widths))
    except (OSError, SyntaxError, ValueError) as exc:  # truncated or corrupt pixel data
        raise ImageError(DAMAGED) from exc
    variants = []
    for width in target_widths(image.width, widths):
        height = max(1, round(image.height * width / image.width))
        sized = image if width == image.width else image.resize((width, height),
                                                                Image.Resampling.LANCZOS)
        encoded, media_type = _encode(sized)
        variants.append(Variant(encoded, variant_name(encoded, media_type), width,
                                sized.height, media_type))
    return ProcessedImage(tuple(variants), blurhash_of(image), source_type)


def blurhash_of(image: Image.Image) -> str:
    """The blurhash of ``image`` (4x3 components, as Mastodon computes it), from a 32 px
    thumbnail: the hash keeps only the lowest frequencies, and the encoder is pure Python."""
    small = image.convert("RGB")
    small.thumbnail((32, 32))
    width = small.width
    flat = small.tobytes()
    rows = [[list(flat[i:i + 3]) for i in range(y * width * 3, (y + 1) * width * 3, 3)]
            for y in range(small.height)]
    return str(blurhash.encode(rows, components_x=4, components_y=3))
