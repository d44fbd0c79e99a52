"""The event edit form replaces or removes the event's image; the Update carries it."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx
import pytest

from node.settings import Settings
from tests.media_support import image_bytes
from tests.node.hub_pages_support import (
    HUB,
    POSTS,
    Site,
    _objects,
    _outbox,
    form_token,
    open_site,
)

EDIT = f"/hubs/{HUB}/events/edit"
EVENT_FORM = POSTS["event"][0]


@pytest.fixture
def site(settings: Settings) -> Iterator[Site]:
    with open_site(settings) as site:
        site.person("nate", "admin")
        site.sign_in("nate")
        yield site


def send_edit(site: Site, uri: str, image: bytes | None, **fields: str) -> httpx.Response:
    body = {"csrf_token": form_token(site.client, "/account"), **EVENT_FORM, "uri": uri,
            **fields}
    files = {"image": ("photo.jpg", image or b"", "image/jpeg")}
    response: httpx.Response = site.client.post(EDIT, data=body, files=files)
    return response


def event_document(site: Site) -> dict[str, Any]:
    (row,) = [row for row in site.rows(_objects) if row.type == "Event"]
    return dict(row.document)


def last_update(site: Site) -> dict[str, Any]:
    updates = [row.document for row in site.rows(_outbox) if row.type == "Update"]
    return dict(updates[-1]["object"])


def test_the_edit_form_adds_replaces_and_removes_the_events_image(site: Site) -> None:
    assert site.send(f"/hubs/{HUB}/post/event", EVENT_FORM).status_code == 303
    uri = event_document(site)["id"]
    form = site.client.get(f"{EDIT}?uri={quote(uri, safe='')}").text
    assert 'enctype="multipart/form-data"' in form and 'name="image"' in form
    assert "remove_image" not in form  # nothing to remove yet
    # A new image without alt text is refused as on the compose form; nothing is sent.
    before = len(site.rows(_outbox))
    refused = send_edit(site, uri, image_bytes(), title="March on the port", image_alt=" ")
    assert refused.status_code == 400
    assert "Describe the image for people who cannot see it (alt text)." in refused.text
    assert 'value="March on the port"' in refused.text
    assert len(site.rows(_outbox)) == before
    not_image = send_edit(site, uri, b"<svg/>", image_alt="A map")
    assert not_image.status_code == 400
    assert "The file is not a JPEG, PNG, WebP or GIF image." in not_image.text
    # With its alt text the image is stored, and the Update carries it.
    assert send_edit(site, uri, image_bytes((900, 600)), image_alt="The route map") \
        .status_code == 303
    (attachment,) = last_update(site)["attachment"]
    assert {k: attachment[k] for k in ("type", "name", "width", "height")} == {
        "type": "Image", "name": "The route map", "width": 900, "height": 600}
    assert event_document(site)["attachment"] == [attachment]
    # The form now shows it, with a box to remove it; a new one replaces it.
    form = site.client.get(f"{EDIT}?uri={quote(uri, safe='')}").text
    assert f'src="{attachment["url"]}" alt="The route map"' in form
    assert 'name="remove_image"' in form
    assert send_edit(site, uri, image_bytes((700, 700), color=(0, 90, 0)),
                     image_alt="The banner").status_code == 303
    (replaced,) = last_update(site)["attachment"]
    assert replaced["name"] == "The banner" and replaced["url"] != attachment["url"]
    # Removing it sends an Update without an attachment.
    assert send_edit(site, uri, None, remove_image="1").status_code == 303
    assert "attachment" not in last_update(site)
    assert "attachment" not in event_document(site)
    # Removing what is not there changes nothing, and says so.
    again = send_edit(site, uri, None, remove_image="1")
    assert again.status_code == 400 and "Nothing to change." in again.text


def test_an_edit_without_an_image_keeps_the_events_image(site: Site) -> None:
    body = {"csrf_token": form_token(site.client, "/account"), **EVENT_FORM,
            "image_alt": "The route map"}
    assert site.client.post(f"/hubs/{HUB}/post/event", data=body, files={
        "image": ("map.png", image_bytes(), "image/png")}).status_code == 303
    uri, kept = event_document(site)["id"], event_document(site)["attachment"]
    assert send_edit(site, uri, None, title="March on the port").status_code == 303
    assert last_update(site)["attachment"] == kept
    assert last_update(site)["name"] == "March on the port"
