"""The pure image rules: sniffing, caps, widths, metadata removed, blurhash (node.media)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from PIL import Image

from node.media import checks
from node.media.checks import ImageError, check_alt, target_widths
from node.media.images import process, sniff
from node.media.proxy import ProxyCache, proxied_url, signature, signed
from node.media.store import DiskStore
from tests.media_support import GPS_IFD, bomb_png, image_bytes


def opened(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.mark.parametrize(("fmt", "expected"), [("JPEG", "image/jpeg"), ("PNG", "image/png"),
                                               ("WEBP", "image/webp"), ("GIF", "image/gif")])
def test_the_type_is_sniffed_from_the_bytes(fmt: str, expected: str) -> None:
    assert sniff(image_bytes((40, 30), fmt)) == (expected, 40, 30)


@pytest.mark.parametrize("data", [b"<svg xmlns='http://www.w3.org/2000/svg'/>", b"GIF89a",
                                  b"%PDF-1.4 hello", b""])
def test_what_is_not_an_accepted_image_is_refused(data: bytes) -> None:
    with pytest.raises(ImageError, match="not a JPEG"):
        sniff(data)


def test_a_bmp_or_tiff_is_refused_though_pillow_reads_it() -> None:
    for fmt in ("BMP", "TIFF"):
        with pytest.raises(ImageError, match="not a JPEG"):
            sniff(image_bytes((10, 10), fmt))


def test_bytes_over_the_cap_are_refused_before_decoding() -> None:
    with pytest.raises(ImageError, match="too large"):
        sniff(image_bytes((10, 10)), max_bytes=100)


def test_a_decompression_bomb_header_is_refused() -> None:
    for declared in ((100_000, 100_000), (7_000, 7_000)):  # Pillow's bomb error; our cap
        with pytest.raises(ImageError, match="too many pixels"):
            process(bomb_png(*declared))


def test_pixels_over_the_cap_are_refused() -> None:
    with pytest.raises(ImageError, match="too many pixels"):
        sniff(image_bytes((100, 100)), max_pixels=9_999)


def test_widths_are_never_upscaled() -> None:
    assert target_widths(4000) == [320, 640, 1280]
    assert target_widths(1280) == [320, 640, 1280]
    assert target_widths(500) == [320, 500]
    assert target_widths(100) == [100]


def test_variants_keep_the_aspect_ratio_and_are_named_by_their_hash() -> None:
    result = process(image_bytes((2000, 1000)))
    assert [(v.width, v.height) for v in result.variants] == [(320, 160), (640, 320),
                                                              (1280, 640)]
    for variant in result.variants:
        assert opened(variant.data).size == (variant.width, variant.height)
        assert variant.name == checks.variant_name(variant.data, "image/jpeg")
        assert variant.name.endswith(".jpg")


def test_gps_exif_and_every_other_metadata_are_removed() -> None:
    source = image_bytes((900, 600), gps=True)
    assert opened(source).getexif().get_ifd(GPS_IFD)  # the fixture does carry a position
    for variant in process(source).variants:
        kept = opened(variant.data)
        assert not kept.getexif()
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(kept.info)
        assert b"PhoneMaker" not in variant.data


def test_orientation_is_applied_before_the_exif_goes() -> None:
    result = process(image_bytes((600, 300), orientation=6))  # 6: rotate 90 degrees
    assert (result.largest.width, result.largest.height) == (300, 600)


def test_transparency_stays_as_png_and_opaque_images_become_jpeg() -> None:
    clear = process(image_bytes((50, 50), "PNG", mode="RGBA", color=(0, 0, 0, 0)))
    assert clear.largest.media_type == "image/png"
    opaque = process(image_bytes((50, 50), "PNG", mode="RGBA", color=(9, 9, 9, 255)))
    assert opaque.largest.media_type == "image/jpeg"


def test_a_gif_gives_its_first_frame() -> None:
    frames = [Image.new("RGB", (40, 40), c) for c in ((255, 0, 0), (0, 0, 255))]
    out = io.BytesIO()
    frames[0].save(out, "GIF", save_all=True, append_images=frames[1:])
    result = process(out.getvalue())
    assert result.source_type == "image/gif"
    red, _green, blue = opened(result.largest.data).convert("RGB").getpixel((20, 20))
    assert red > 200 and blue < 60


def test_a_blurhash_is_computed() -> None:
    result = process(image_bytes((400, 300)))
    assert len(result.blurhash) == 28  # 4x3 components: 4 + 2 * 12
    assert result.blurhash != process(image_bytes((400, 300), color=(0, 200, 0))).blurhash


def test_a_truncated_image_is_refused() -> None:
    with pytest.raises(ImageError):
        process(image_bytes((400, 300))[:400])


def test_alt_text_is_required_and_bounded() -> None:
    assert check_alt("  A crowd   at the port \n") == "A crowd at the port"
    with pytest.raises(ImageError, match="alt text"):
        check_alt("   ")
    with pytest.raises(ImageError, match="too long"):
        check_alt("x" * 1501)


def test_proxy_urls_are_signed_and_only_http() -> None:
    url = "https://remote.example/a.png"
    link = proxied_url("secret", "https://node.example", url)
    assert link.startswith("/media/proxy?url=https%3A%2F%2Fremote.example%2Fa.png&s=")
    assert signed("secret", url, signature("secret", url))
    assert not signed("other secret", url, signature("secret", url))
    assert not signed("secret", url + "x", signature("secret", url))
    assert proxied_url("secret", "https://node.example", "https://node.example/media/a") == \
        "https://node.example/media/a"
    for bad in ("data:image/png;base64,AAAA", "file:///etc/passwd", "javascript:x", None, ""):
        assert proxied_url("secret", "https://node.example", bad) == ""


def test_every_refusal_is_marked_for_translation_in_the_web_layer() -> None:
    from node.web.uploads import IMAGE_MESSAGES
    assert set(IMAGE_MESSAGES) == set(checks.MESSAGES)


def test_the_disk_store_is_content_addressed_and_refuses_other_names(tmp_path: Path) -> None:
    store = DiskStore(tmp_path)
    variant = process(image_bytes((50, 40))).largest
    store.put(variant.name, variant.data)
    store.put(variant.name, variant.data)  # twice is harmless
    assert store.get(variant.name) == variant.data
    for bad in ("../secret_key", "x.jpg", variant.name.replace(".jpg", ".svg")):
        assert store.get(bad) is None
        with pytest.raises(ValueError):
            store.put(bad, b"x")
    store.delete(variant.name)
    assert store.get(variant.name) is None


def test_the_proxy_cache_expires(tmp_path: Path) -> None:
    cache = ProxyCache(tmp_path, ttl=60)
    url = "https://remote.example/a.png"
    cache.put(url, process(image_bytes((50, 40))))
    hit = cache.get(url)
    assert hit is not None and hit.media_type == "image/jpeg"
    assert cache.get(url, now=time.time() + 61) is None
    assert cache.get(url) is None  # the stale file is gone


def test_a_16_bit_greyscale_png_keeps_its_tones() -> None:
    """Pillow's convert("RGB") clips 16-bit samples at 255 instead of scaling them: a mid
    grey (30000 of 65535) came out white."""
    grey = Image.new("I;16", (40, 30))
    grey.putdata([30000] * (40 * 30))
    out = io.BytesIO()
    grey.save(out, "PNG")
    red, green, blue = opened(process(out.getvalue()).largest.data).convert("RGB").getpixel(
        (20, 15))
    assert 110 <= red <= 125 and red == green == blue  # 30000 / 257 = 117


def test_two_fetches_of_one_url_can_cache_it_at_once(tmp_path: Path,
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    """Two readers asking for the same fresh remote image are served by two threads of one
    process: each must write its own temporary file (a name built from the process id
    alone was shared, and the second rename failed with FileNotFoundError: a 500)."""
    cache = ProxyCache(tmp_path)
    url = "https://remote.example/a.png"
    image = process(image_bytes((50, 40)))
    real_replace = os.replace
    nested: list[bool] = []

    def replace_after_another_put(src: str | Path, dst: str | Path) -> None:
        if not nested:  # the other thread finishes its put in between
            nested.append(True)
            cache.put(url, image)
        real_replace(src, dst)

    monkeypatch.setattr(os, "replace", replace_after_another_put)
    assert cache.put(url, image).data == image.largest.data
    assert nested and cache.get(url) is not None
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []


_PEAK = """
import sys
from node.media.images import process

def peak_kb():  # the resident set's high-water mark since the last reset
    return next(int(line.split()[1]) for line in open("/proc/self/status")
                if line.startswith("VmHWM"))

data = open(sys.argv[1], "rb").read()
with open("/proc/self/clear_refs", "w") as refs:
    refs.write("5")  # reset the high-water mark: imports do not count
before = peak_kb()
process(data)
print(peak_kb() - before)
"""


def test_a_big_image_within_the_caps_is_shrunk_before_it_is_copied(tmp_path: Path) -> None:
    """A 20 MP PNG compresses to a few hundred kB but decodes to 60 MB: turning,
    converting and copying it at full size cost 310 MB for one upload (600 MB for an
    RGBA one at the 40 MP cap); shrunk first, the decoded frame is the only big copy."""
    side = 4500
    path = tmp_path / "big.png"
    Image.new("RGB", (side, side), (10, 20, 30)).save(path, "PNG")
    run = subprocess.run([sys.executable, "-c", _PEAK, str(path)], capture_output=True,
                         text=True, check=True, cwd=Path(__file__).parents[2])
    decoded_kb = side * side * 3 // 1024
    assert int(run.stdout) < decoded_kb * 2, run.stdout  # it was over 5 times


@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_big_turned_image_is_shrunk_to_its_upright_width(fmt: str) -> None:
    image = Image.new("RGB", (4000, 2000), (255, 255, 255))
    image.paste((255, 0, 0), (0, 0, 400, 400))  # a red corner, top left as stored
    exif = Image.Exif()
    exif[0x0112] = 6  # 6: turn 90 degrees clockwise to show it
    out = io.BytesIO()
    image.save(out, fmt, exif=exif.tobytes())
    shown = opened(process(out.getvalue()).largest.data).convert("RGB")
    assert shown.size == (1280, 2560)
    red, green, _ = shown.getpixel((1270, 10))  # the corner is now top right
    assert red > 200 and green < 60


def test_the_proxy_cache_sweep_deletes_only_what_is_stale(tmp_path: Path) -> None:
    """A stale file was dropped only when its URL was asked for again; most never are,
    so the cache grew for ever."""
    cache = ProxyCache(tmp_path, ttl=60)
    image = process(image_bytes((50, 40)))
    for url in ("https://remote.example/old.png", "https://remote.example/new.png"):
        cache.put(url, image)
    cache.put_failure("https://remote.example/gone.png")
    now = time.time()
    old = [p for p in tmp_path.iterdir()
           if p.name.startswith(cache._stem("https://remote.example/old.png").name)]
    for path in (*old, *tmp_path.glob("*.failed")):
        os.utime(path, (now - 3600, now - 3600))
    assert cache.sweep(now) == 2
    assert cache.get("https://remote.example/new.png", now=now) is not None
    assert cache.get("https://remote.example/old.png", now=now) is None
    assert not cache.failed_recently("https://remote.example/gone.png", now=now)
    assert ProxyCache(tmp_path / "never-made").sweep() == 0
def test_a_srcset_lists_each_stored_width_and_needs_two_of_them() -> None:
    from node.media.srcsets import srcset_of

    base = "https://philly.example"
    variants = [{"name": "a" * 64 + ".jpg", "width": 320, "height": 240},
                {"name": "b" * 64 + ".jpg", "width": 640, "height": 480}]
    assert srcset_of(base, variants) == (
        f"{base}/media/{'a' * 64}.jpg 320w, {base}/media/{'b' * 64}.jpg 640w")
    assert srcset_of(base, variants[:1]) == ""
    assert srcset_of(base, [{"name": 3, "width": "x"}, *variants[:1]]) == ""
