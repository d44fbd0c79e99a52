"""Images built in memory with Pillow for the media tests (unit, node and browser tiers)."""

from __future__ import annotations

import io
import struct
import zlib

from PIL import Image

GPS_IFD = 0x8825
ORIENTATION = 0x0112


def image_bytes(size: tuple[int, int] = (800, 600), fmt: str = "JPEG", *,
                mode: str = "RGB", color: tuple[int, ...] = (200, 40, 40),
                gps: bool = False, orientation: int | None = None) -> bytes:
    """An image of ``size`` in ``fmt``; with ``gps`` it carries a GPS position in EXIF."""
    image = Image.new(mode, size, color)
    for x in range(0, size[0], 7):  # some detail, so the blurhash is not flat
        image.putpixel((x, size[1] // 2), (0, 0, 255) if mode == "RGB" else (0, 0, 255, 255))
    exif = Image.Exif()
    if gps:
        exif[0x010F] = "PhoneMaker"  # Make
        exif.get_ifd(GPS_IFD).update({1: "N", 2: (40.0, 26.0, 46.0), 3: "W",
                                      4: (79.0, 58.0, 56.0)})
    if orientation is not None:
        exif[ORIENTATION] = orientation
    out = io.BytesIO()
    kwargs = {"exif": exif.tobytes()} if (gps or orientation) else {}
    image.save(out, fmt, **kwargs)
    return out.getvalue()


def bomb_png(width: int = 100_000, height: int = 100_000) -> bytes:
    """A tiny PNG whose header declares ``width`` x ``height`` pixels (a decompression
    bomb: the pixel data is never there, the header alone must be refused)."""
    real = image_bytes((1, 1), "PNG")
    ihdr_at = real.index(b"IHDR")
    ihdr = b"IHDR" + struct.pack(">II", width, height) + real[ihdr_at + 12: ihdr_at + 17]
    chunk = ihdr + struct.pack(">I", zlib.crc32(ihdr) & 0xFFFFFFFF)
    return real[: ihdr_at] + chunk + real[ihdr_at + len(chunk):]
