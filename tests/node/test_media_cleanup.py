"""The periodic media cleanup: unreferenced uploads (rows and files) past the grace
period, orphan files, and expired proxy cache files go; whatever is shown stays."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import anyio
import httpx
import pytest

from node.hubs.tasks import clean_media, periodic_tasks
from node.media.checks import variant_name
from node.media.models import Media
from node.media.proxy import proxy_cache
from node.media.service import save_image, store_of
from node.settings import Settings
from tests.conftest import NOW
from tests.media_support import image_bytes
from tests.node.hub_pages_support import BASE, HUB, Site, _objects, form_token, open_site

_media = Media.__table__  # type: ignore[attr-defined]
EDIT = f"/hubs/{HUB}/events/edit"


class Clock:
    """The node's clock, moved on by the test."""

    def __init__(self) -> None:
        self.now = NOW

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def admin(settings: Settings, clock: Clock) -> Iterator[Site]:
    with open_site(settings, clock=clock) as site:
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def upload(site: Site, path: str, data: bytes, alt: str, **fields: str) -> httpx.Response:
    body = {"csrf_token": form_token(site.client, "/account"), "image_alt": alt, **fields}
    response: httpx.Response = site.client.post(
        path, data=body, files={"image": ("photo.jpg", data, "image/jpeg")})
    assert response.status_code == 303, response.text
    return response


def names(site: Site) -> set[str]:
    return {row.name for row in site.rows(_media)}


def files_of(site: Site, name: str) -> list[str]:
    (row,) = [row for row in site.rows(_media) if row.name == name][:1]
    return [v["name"] for v in row.variants]


def served(site: Site, name: str) -> bool:
    return store_of(site.node).get(name) is not None


def cleaned(site: Site) -> int:
    return anyio.run(clean_media, site.node)


def aged(path: Path, now: datetime, age: timedelta) -> None:
    stamp = (now - age).timestamp()
    os.utime(path, (stamp, stamp))


def test_unreferenced_uploads_go_after_the_grace_period(admin: Site, clock: Clock) -> None:
    assert "media cleanup" in [task.name for task in periodic_tasks()]
    colors = iter([(200, 0, 0), (0, 200, 0), (0, 0, 200), (90, 90, 0), (0, 90, 90)])

    def picture() -> bytes:
        return image_bytes((900, 600), color=next(colors))

    upload(admin, f"/hubs/{HUB}/images/avatar", picture(), "The avatar")
    upload(admin, f"/hubs/{HUB}/images/header", picture(), "The old header")
    upload(admin, f"/hubs/{HUB}/post/update", picture(), "On the update", text="Berth 5")
    upload(admin, f"/hubs/{HUB}/post/event", picture(), "The first map",
           title="March", start="2026-12-12T07:00", end="2026-12-12T11:00",
           timezone="America/Los_Angeles", place_name="Frank Ogawa Plaza")
    (avatar, header, on_update, first_map) = [row.name for row in admin.rows(_media)]
    (event,) = [row.document for row in admin.rows(_objects) if row.type == "Event"]
    # The event gets a new map and the header is removed: two uploads nothing shows.
    upload(admin, EDIT, picture(), "The new map", uri=event["id"], title="March",
           start="2026-12-12T07:00", end="2026-12-12T11:00",
           timezone="America/Los_Angeles", place_name="Frank Ogawa Plaza")
    new_map = [row.name for row in admin.rows(_media)][-1]
    assert admin.send(f"/hubs/{HUB}/images/header/remove").status_code == 303
    unused = files_of(admin, header) + files_of(admin, first_map)
    # Within the grace period nothing goes (an upload may be on its way into an item).
    clock.now = NOW + timedelta(hours=20)
    cleaned(admin)
    assert names(admin) == {avatar, header, on_update, first_map, new_map}
    # After it, the two unreferenced uploads go, rows and files; the rest is served.
    clock.now = NOW + timedelta(days=2)
    assert cleaned(admin) == len(unused)
    assert names(admin) == {avatar, on_update, new_map}
    assert not any(served(admin, name) for name in unused)
    for name in (avatar, on_update, new_map):
        assert all(served(admin, file) for file in files_of(admin, name))
        assert admin.client.get(f"/media/{name}").status_code == 200


def test_shared_files_orphans_and_the_proxy_cache(admin: Site, clock: Clock,
                                                  settings: Settings) -> None:
    from node.media.images import process

    store = store_of(admin.node)
    image = process(image_bytes((700, 500)))
    # The same picture uploaded twice, unreferenced: the old row goes, the files stay
    # while the young row (within its grace period) uses them.
    for at in (NOW, NOW + timedelta(days=2)):
        admin.run(lambda node, conn, at=at: save_image(
            conn, store, image, owner_uri=f"{BASE}/users/nate", alt="Twice", now=at))
    # A file no row names (a rolled-back upload), old and young.
    old_orphan, young_orphan = (variant_name(data, "image/png") for data in (b"old", b"new"))
    store.put(old_orphan, b"old")
    store.put(young_orphan, b"new")
    root = Path(settings.data_dir) / "media"
    clock.now = NOW + timedelta(days=2, hours=1)
    aged(root / old_orphan[:2] / old_orphan, clock.now, timedelta(days=3))
    aged(root / young_orphan[:2] / young_orphan, clock.now, timedelta(hours=1))
    # Proxy cache: an image past its day, a fresh one, an old failure, a fresh failure.
    cache = proxy_cache(Path(settings.data_dir))
    cache.root.mkdir(parents=True, exist_ok=True)
    ages = {"a" * 64 + ".jpg": timedelta(days=2), "b" * 64 + ".jpg": timedelta(hours=3),
            "c" * 64 + ".failed": timedelta(minutes=20),
            "d" * 64 + ".failed": timedelta(minutes=5)}
    for file, age in ages.items():
        (cache.root / file).write_bytes(b"x")
        aged(cache.root / file, clock.now, age)
    assert cleaned(admin) == 3  # the old orphan, the stale image, the old failure
    assert [row.created_at.day for row in admin.rows(_media)] == [(NOW + timedelta(days=2)).day]
    assert all(served(admin, v.name) for v in image.variants)
    assert not served(admin, old_orphan) and served(admin, young_orphan)
    assert sorted(p.name for p in cache.root.iterdir()) == ["b" * 64 + ".jpg",
                                                            "d" * 64 + ".failed"]
