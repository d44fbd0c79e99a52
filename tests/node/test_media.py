"""Images end to end in one node: upload, serve, federate, attach, and the remote proxy."""

from __future__ import annotations

import io
import os
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlencode

import httpx
import pytest
from PIL import Image

from node.hubs.events.service import load_event, send_update
from node.hubs.hub.publish import load_hub
from node.hubs.hub.settings import HubSettings, apply_settings
from node.media.proxy import signature
from node.settings import Settings
from tests.media_support import bomb_png, image_bytes
from tests.node.hub_pages_support import BASE, HUB, Site, _objects, form_token, open_site

AS_JSON = {"accept": "application/activity+json"}
IMAGES = f"/hubs/{HUB}/images"
Handler = Callable[[httpx.Request], httpx.Response]


def remote(request: httpx.Request) -> httpx.Response:
    """The fake remote web: one photo, one liar, one huge answer."""
    if request.url.path == "/photo.png":
        return httpx.Response(200, content=image_bytes((2000, 1000), "PNG", gps=True),
                              headers={"content-type": "image/png"})
    if request.url.path == "/liar.png":
        return httpx.Response(200, content=b"<html><script>alert(1)</script></html>",
                              headers={"content-type": "image/png"})
    if request.url.path == "/huge.jpg":
        return httpx.Response(200, content=b"\xff" * (6 * 1024 * 1024),
                              headers={"content-type": "image/jpeg"})
    return httpx.Response(404)


@pytest.fixture
def fetched() -> list[str]:
    """The URLs the node fetched from the fake remote web."""
    return []


@pytest.fixture
def site(settings: Settings, fetched: list[str]) -> Iterator[Site]:
    def handler(request: httpx.Request) -> httpx.Response:
        fetched.append(str(request.url))
        return remote(request)

    with open_site(settings, transport=httpx.MockTransport(handler)) as site:
        yield site


@pytest.fixture
def admin(site: Site) -> Site:
    site.person("nate", "admin")
    site.sign_in("nate")
    return site


def upload(site: Site, path: str, data: bytes, alt: str, **fields: str) -> httpx.Response:
    body = {"csrf_token": form_token(site.client, "/account"), "image_alt": alt, **fields}
    response: httpx.Response = site.client.post(
        path, data=body, files={"image": ("photo.txt", data, "text/plain")})
    return response


def test_an_admin_uploads_an_avatar_served_immutable_and_federated_in_full(admin: Site) -> None:
    page = admin.client.get(f"/hubs/{HUB}/manage")
    assert f'href="{IMAGES}"' in page.text  # linked from the manage page
    # the file name and Content-Type lie: the bytes are sniffed
    response = upload(admin, f"{IMAGES}/avatar", image_bytes((900, 900), gps=True),
                      "A raised fist over the cranes")
    assert response.status_code == 303 and response.headers["location"] == f"{IMAGES}?done=avatar"
    group = admin.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()
    icon = group["icon"]
    assert {k: icon[k] for k in ("type", "mediaType", "width", "height", "name")} == {
        "type": "Image", "mediaType": "image/jpeg", "width": 900, "height": 900,
        "name": "A raised fist over the cranes"}
    assert len(icon["blurhash"]) == 28 and icon["url"].startswith(f"{BASE}/media/")
    served = admin.client.get(icon["url"].removeprefix(BASE))
    assert served.status_code == 200
    assert served.headers["content-type"] == "image/jpeg"
    assert served.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert served.headers["x-content-type-options"] == "nosniff"
    assert not Image.open(io.BytesIO(served.content)).getexif()  # GPS position gone
    assert "Update" in admin.outbox()  # followers told of the new profile
    shown = admin.client.get(f"{IMAGES}?done=avatar").text
    assert 'alt="A raised fist over the cranes"' in shown and "Avatar saved" in shown


def test_the_header_is_the_groups_image_and_removing_it_takes_it_off(admin: Site) -> None:
    assert upload(admin, f"{IMAGES}/header", image_bytes((3000, 1000)),
                  "The port at dawn").status_code == 303
    image = admin.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()["image"]
    assert (image["width"], image["height"], image["name"]) == (1280, 427, "The port at dawn")
    removed = admin.send(f"{IMAGES}/header/remove")
    assert removed.headers["location"] == f"{IMAGES}?done=removed"
    assert "image" not in admin.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()


@pytest.mark.parametrize(("data", "alt", "message"), [
    (b"GIF89a not really", "A photo", "not a JPEG, PNG, WebP or GIF"),
    (image_bytes((50, 50)), "  ", "Describe the image"),
    (bomb_png(), "A bomb", "too many pixels"),
    (b"\xff" * (10 * 1024 * 1024 + 1), "Too big", "too large: at most 10 MB"),
])
def test_a_refused_upload_is_shown_on_the_form_with_the_alt_text_kept(
        admin: Site, data: bytes, alt: str, message: str) -> None:
    response = upload(admin, f"{IMAGES}/avatar", data, alt)
    assert response.status_code == 400
    assert message in response.text and 'aria-describedby="avatar-file-hint avatar-error"' in \
        response.text
    assert f">{alt}</textarea>" in response.text
    assert "icon" not in admin.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()


def test_a_body_over_the_cap_is_413(admin: Site) -> None:
    response = upload(admin, f"{IMAGES}/avatar", b"\0" * (10 * 1024 * 1024 + 100_000), "x")
    assert response.status_code == 413


def test_only_admins_reach_the_images_page(site: Site) -> None:
    site.person("mia")
    site.sign_in("mia")
    assert site.client.get(IMAGES).status_code == 403
    assert f'href="{IMAGES}"' not in site.client.get(f"/hubs/{HUB}/manage").text
    assert upload(site, f"{IMAGES}/avatar", image_bytes(), "x").status_code == 403


def test_an_update_with_an_image_carries_it_as_an_attachment(admin: Site) -> None:
    response = upload(admin, f"/hubs/{HUB}/post/update", image_bytes((2000, 1500)),
                      "Dockworkers link arms", text="Berth 5 is closed")
    assert response.status_code == 303
    (note,) = [row.document for row in admin.rows(_objects) if row.type == "Note"]
    (attachment,) = note["attachment"]
    assert {k: attachment[k] for k in ("type", "mediaType", "width", "height", "name")} == {
        "type": "Image", "mediaType": "image/jpeg", "width": 1280, "height": 960,
        "name": "Dockworkers link arms"}
    assert attachment["blurhash"]
    page = admin.client.get(note["id"].removeprefix(BASE), headers={"accept": "text/html"})
    assert f'<img src="{attachment["url"]}" alt="Dockworkers link arms" width="1280"' \
        in page.text


def test_an_event_with_an_image_keeps_it_and_a_refusal_keeps_the_fields(admin: Site) -> None:
    fields = {"title": "March to the port", "start": "2026-12-12T07:00",
              "end": "2026-12-12T11:00", "timezone": "America/Los_Angeles",
              "place_name": "Frank Ogawa Plaza"}
    refused = upload(admin, f"/hubs/{HUB}/post/event", image_bytes(), "", **fields)
    assert refused.status_code == 400 and "Describe the image" in refused.text
    assert 'value="Frank Ogawa Plaza"' in refused.text
    assert upload(admin, f"/hubs/{HUB}/post/event", image_bytes(), "The route map",
                  **fields).status_code == 303
    (event,) = [row.document for row in admin.rows(_objects) if row.type == "Event"]
    assert event["attachment"][0]["name"] == "The route map"
    # an edit rebuilds the Event from its fields, which hold no image: it is kept
    stored = admin.run(lambda node, conn: load_event(conn, event["id"]))
    edited = admin.run(lambda node, conn: send_update(node, conn, stored, replace(
        stored.spec, title="March to the port, again")))
    assert edited.object["attachment"] == event["attachment"]


def test_an_update_without_an_image_still_posts_as_a_plain_form(admin: Site) -> None:
    assert admin.send(f"/hubs/{HUB}/post/update", {"text": "No picture"}).status_code == 303


def proxy(site: Site, url: str, tag: str | None = None) -> httpx.Response:
    key = site.node.settings.secret_key
    query = urlencode({"url": url, "s": signature(key, url) if tag is None else tag})
    response: httpx.Response = site.client.get(f"/media/proxy?{query}")
    return response


def test_the_proxy_serves_signed_remote_images_re_encoded_and_cached(site: Site) -> None:
    answer = proxy(site, "https://remote.example/photo.png")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "image/jpeg"  # re-encoded: opaque, so JPEG
    assert answer.headers["x-content-type-options"] == "nosniff"
    kept = Image.open(io.BytesIO(answer.content))
    assert kept.width == 1280 and not kept.getexif()
    cached = list((site.node.settings.data_dir / "media" / "proxy").iterdir())
    assert len(cached) == 1 and proxy(site, "https://remote.example/photo.png").content == \
        answer.content


def test_the_proxy_refuses_unsigned_urls_private_addresses_and_bad_answers(
        site: Site, fetched: list[str]) -> None:
    assert proxy(site, "https://remote.example/photo.png", tag="0" * 32).status_code == 404
    assert proxy(site, "https://remote.example/photo.png", tag="").status_code == 404
    # a tag with characters outside ASCII is refused too, not a 500 (compare_digest
    # raises TypeError on non-ASCII str)
    assert proxy(site, "https://remote.example/photo.png", tag="é" * 32).status_code == 404
    assert fetched == []  # not an open proxy: nothing was fetched for those
    for url in ("http://127.0.0.1/photo.png", "http://10.0.0.5/photo.png",
                "http://[::ffff:127.0.0.1]/photo.png", "https://remote.example/liar.png",
                "https://remote.example/huge.jpg", "https://remote.example/missing.png"):
        assert proxy(site, url).status_code == 502, url
    assert fetched == ["https://remote.example/liar.png", "https://remote.example/huge.jpg",
                       "https://remote.example/missing.png"]  # private ones never left
    assert proxy(site, "https://remote.example/missing.png").status_code == 502
    assert len(fetched) == 3  # a failure is remembered for a while


def test_the_cli_uploads_with_the_same_checks_and_messages(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    from node.cli import main

    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "nate", "--password-stdin", *flags]) == 0
    assert main(["hub", "create", HUB, "--title", "Port", "--admin", "nate", *flags]) == 0
    photo, text = tmp_path / "fist.jpg", tmp_path / "notes.png"
    photo.write_bytes(image_bytes((700, 700), gps=True))
    text.write_bytes(b"hello")
    capsys.readouterr()
    assert main(["hub", "image", HUB, "avatar", str(photo), *flags]) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: Describe the image for people who cannot see it (alt text).")
    assert main(["hub", "image", HUB, "avatar", str(text), "--alt", "x", *flags]) == 1
    assert "not a JPEG, PNG, WebP or GIF" in capsys.readouterr().err
    assert main(["hub", "image", HUB, "avatar", str(photo), "--alt", "A fist", *flags]) == 0
    assert "(700x700, 3 sizes)" in capsys.readouterr().out
    assert main(["hub", "image", HUB, "avatar", "--remove", *flags]) == 0
    assert "removed the avatar" in capsys.readouterr().out


def test_an_avatar_set_by_url_is_shown_through_the_proxy_never_hot_linked(admin: Site) -> None:
    remote_url = "https://remote.example/photo.png"
    admin.run(lambda node, conn: apply_settings(node, conn, load_hub(conn, HUB),
                                                HubSettings(avatar_url=remote_url)))
    page = admin.client.get(IMAGES).text
    key = admin.node.settings.secret_key
    src = "/media/proxy?" + urlencode({"url": remote_url, "s": signature(key, remote_url)})
    assert f'src="{src.replace("&", "&amp;")}"' in page
    assert f'src="{remote_url}"' not in page
    assert admin.client.get(src).status_code == 200
    icon = admin.client.get(f"/hubs/{HUB}", headers=AS_JSON).json()["icon"]
    assert icon == {"type": "Image", "url": remote_url}  # no upload: only its URL


def test_remote_images_are_decoded_a_few_at_a_time(site: Site,
                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    """A page with many remote images makes the browser ask for them all at once; each
    decode of a 16 MP image holds 100-200 MB, so decodes wait for one of a few slots
    rather than all running in the 40 threads of the pool (a node out of memory)."""
    import threading
    import time
    from concurrent.futures import ThreadPoolExecutor

    from node.media import images

    real_process = images.process
    running: list[int] = []
    busiest: list[int] = [0]
    lock = threading.Lock()

    def slow_process(*args: object, **kwargs: object) -> object:
        with lock:
            running.append(1)
            busiest[0] = max(busiest[0], len(running))
        time.sleep(0.2)
        with lock:
            running.pop()
        return real_process(*args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(images, "process", slow_process)
    urls = [f"https://remote.example/photo.png?n={n}" for n in range(6)]
    with ThreadPoolExecutor(len(urls)) as pool:
        answers = list(pool.map(lambda url: proxy(site, url), urls))
    assert [a.status_code for a in answers] == [200] * len(urls)
    assert 1 <= busiest[0] <= 2


def test_an_hourly_task_empties_the_proxy_cache_of_stale_images(site: Site) -> None:
    import anyio

    from node.media.proxy import CACHE_SECONDS, media_tasks

    assert proxy(site, "https://remote.example/photo.png").status_code == 200
    folder = site.node.settings.data_dir / "media" / "proxy"
    (cached,) = folder.iterdir()
    (task,) = media_tasks()
    assert anyio.run(task.run, site.node) == 0  # fresh: kept
    stale = cached.stat().st_mtime - CACHE_SECONDS - 60
    os.utime(cached, (stale, stale))
    assert anyio.run(task.run, site.node) == 1
    assert list(folder.iterdir()) == []
