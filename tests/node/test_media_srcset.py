"""Pages list every stored width of our own images (``srcset``/``sizes``), with
``width``/``height`` so the layout does not jump; remote images get none."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import httpx
import pytest

from node.media.srcsets import COLUMN_SIZES
from node.settings import Settings
from tests.media_support import image_bytes
from tests.node.hub_pages_support import BASE, HUB, Site, _objects, form_token, open_site


@pytest.fixture
def admin(settings: Settings) -> Iterator[Site]:
    with open_site(settings) as site:
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def upload(site: Site, path: str, data: bytes, alt: str, **fields: str) -> httpx.Response:
    body = {"csrf_token": form_token(site.client, "/account"), "image_alt": alt, **fields}
    response: httpx.Response = site.client.post(
        path, data=body, files={"image": ("photo.jpg", data, "image/jpeg")})
    return response


def img_tag(page: str, alt: str) -> dict[str, str]:
    """The attributes of the page's ``<img>`` with ``alt``."""
    match = re.search(rf'<img ([^>]*alt="{re.escape(alt)}"[^>]*)>', page)
    assert match, f"no image {alt!r}"
    return {k: html.unescape(v) for k, v in re.findall(r'([a-z]+)="([^"]*)"', match.group(1))}


def widths(srcset: str) -> list[str]:
    return [entry.rsplit(" ", 1)[1] for entry in srcset.split(", ")]


def test_the_object_page_offers_every_stored_width_of_an_attachment(admin: Site) -> None:
    assert upload(admin, f"/hubs/{HUB}/post/update", image_bytes((2000, 1500)),
                  "Dockworkers link arms", text="Berth 5 is closed").status_code == 303
    (note,) = [row.document for row in admin.rows(_objects) if row.type == "Note"]
    page = admin.client.get(note["id"].removeprefix(BASE), headers={"accept": "text/html"})
    img = img_tag(page.text, "Dockworkers link arms")
    assert img["src"] == note["attachment"][0]["url"]
    assert (img["width"], img["height"]) == ("1280", "960")
    assert widths(img["srcset"]) == ["320w", "640w", "1280w"]
    assert all(entry.startswith(f"{BASE}/media/") for entry in img["srcset"].split(", "))
    assert img["sizes"] == COLUMN_SIZES
    # every listed file is served
    for entry in img["srcset"].split(", "):
        served = admin.client.get(entry.split(" ")[0].removeprefix(BASE))
        assert served.status_code == 200 and served.headers["content-type"] == "image/jpeg"


def test_an_upload_with_one_width_gets_no_srcset_but_keeps_its_size(admin: Site) -> None:
    assert upload(admin, f"/hubs/{HUB}/post/update", image_bytes((300, 200)),
                  "A small badge", text="One size only").status_code == 303
    (note,) = [row.document for row in admin.rows(_objects) if row.type == "Note"]
    page = admin.client.get(note["id"].removeprefix(BASE), headers={"accept": "text/html"})
    assert "srcset" not in img_tag(page.text, "A small badge")
    assert 'width="300" height="200"' in page.text


def test_the_hub_images_page_offers_the_avatars_widths(admin: Site) -> None:
    assert upload(admin, f"/hubs/{HUB}/images/avatar", image_bytes((700, 700)),
                  "A raised fist").status_code == 303
    img = img_tag(admin.client.get(f"/hubs/{HUB}/images").text, "A raised fist")
    assert widths(img["srcset"]) == ["320w", "640w", "700w"]
    assert img["sizes"] == "12rem" and (img["width"], img["height"]) == ("700", "700")
