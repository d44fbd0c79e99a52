"""``ionode post --image`` and ``ionode event create --image``: the compose form's checks
and messages, and the attachment federated as the form federates it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from node.media.models import Media
from tests.media_support import image_bytes
from tests.node.hub_pages_support import BASE, HUB, _objects

_media = Media.__table__  # type: ignore[attr-defined]


@pytest.fixture
def flags(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> list[str]:
    from node.cli import main

    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "nate", "--password-stdin", *flags]) == 0
    assert main(["hub", "create", HUB, "--title", "Port", "--admin", "nate", *flags]) == 0
    return flags


def documents(engine: Engine, kind: str) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(row.document) for row in conn.execute(
            select(_objects).where(_objects.c.type == kind).order_by(_objects.c.id))]


def files(tmp_path: Path) -> tuple[Path, Path]:
    photo, text = tmp_path / "march.jpg", tmp_path / "notes.png"
    photo.write_bytes(image_bytes((1600, 1200), gps=True))
    text.write_bytes(b"hello")
    return photo, text


def test_post_with_an_image_refuses_as_the_form_does_and_attaches_it(
        flags: list[str], engine: Engine, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from node.cli import main

    photo, text = files(tmp_path)
    post = ["post", "--as", "nate", "--hub", HUB, "Berth 5 is closed"]
    capsys.readouterr()
    assert main([*post, "--image", str(photo), *flags]) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: Describe the image for people who cannot see it (alt text).")
    assert main([*post, "--image", str(text), "--alt", "x", *flags]) == 1
    assert capsys.readouterr().err.strip() == (
        "ionode: error: The file is not a JPEG, PNG, WebP or GIF image.")
    assert main([*post, "--image", str(tmp_path / "gone.jpg"), "--alt", "x", *flags]) == 1
    assert "cannot read" in capsys.readouterr().err
    assert documents(engine, "Note") == []  # nothing stored by a refusal
    assert main([*post, "--image", str(photo), "--alt", "Dockworkers link arms",
                 *flags]) == 0
    (note,) = documents(engine, "Note")
    (attachment,) = note["attachment"]
    assert {k: attachment[k] for k in ("type", "mediaType", "width", "height", "name")} == {
        "type": "Image", "mediaType": "image/jpeg", "width": 1280, "height": 960,
        "name": "Dockworkers link arms"}
    assert attachment["blurhash"] and attachment["url"].startswith(f"{BASE}/media/")
    with engine.connect() as conn:
        (row,) = conn.execute(select(_media)).all()
    assert row.owner_uri == note["attributedTo"]
    assert [v["width"] for v in row.variants] == [320, 640, 1280]
    assert main([*post, *flags]) == 0  # no image: a plain Note, as before
    assert "attachment" not in documents(engine, "Note")[-1]


def test_event_create_with_an_image_attaches_it(
        flags: list[str], engine: Engine, tmp_path: Path,
        capsys: pytest.CaptureFixture[str]) -> None:
    from node.cli import main

    photo, text = files(tmp_path)
    create = ["event", "create", "--as", "nate", "--hub", HUB, "--title", "March",
              "--start", "2030-01-10 07:00", "--end", "2030-01-10 11:00",
              "--timezone", "America/Los_Angeles", "--place", "Frank Ogawa Plaza"]
    capsys.readouterr()
    assert main([*create, "--image", str(photo), "--alt", " ", *flags]) == 1
    assert "Describe the image" in capsys.readouterr().err
    assert main([*create, "--image", str(text), "--alt", "The route", *flags]) == 1
    assert "not a JPEG, PNG, WebP or GIF" in capsys.readouterr().err
    assert documents(engine, "Event") == []
    assert main([*create, "--image", str(photo), "--alt", "The route map", *flags]) == 0
    (event,) = documents(engine, "Event")
    assert event["attachment"][0]["name"] == "The route map"
    assert event["attachment"][0]["mediaType"] == "image/jpeg"
