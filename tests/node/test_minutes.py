"""Minutes as Article: what a Mastodon follower receives, and what is refused."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, func, select

from node.activitypub.models import OutboxActivity, StoredObject
from node.cli import main
from node.clock import Clock
from node.hubs.hub.articles import MAX_MARKDOWN, article_html
from node.hubs.hub.models import HubItem
from node.hubs.hub.publish import HubError
from node.hubs.minutes.service import post_minutes
from node.settings import Settings
from tests.node.harness import Harness
from tests.node.hub_harness import FANS, HUB, MASTO, fan, follow, hub_node, sent

_objects = StoredObject.__table__  # type: ignore[attr-defined]
_outbox = OutboxActivity.__table__  # type: ignore[attr-defined]
_item = HubItem.__table__  # type: ignore[attr-defined]
BASE = "https://philly.example"
MINUTES = """# General assembly, 21 November

## Agenda
1. Port shutdown logistics
2. Legal support

![map of the pickets](https://ports.example/map.png)

<script>alert(1)</script> Consensus reached.
"""


@pytest.fixture
def h(settings: Settings, clock: Clock) -> Iterator[Harness]:
    with hub_node(settings, clock) as harness:
        yield harness


def publish(h: Harness, **kwargs: object) -> dict[str, object]:
    values: dict[str, object] = {
        "title": "GA minutes, 21 Nov", "markdown": MINUTES,
        "summary": "Decisions on the <port> shutdown & legal support",
        "attachments": [("Agenda", "https://ports.example/agenda.pdf"),
                        ("Recording", "https://ports.example/ga/recording")]}
    values.update(kwargs)
    with h.node.engine.begin() as conn:
        result = post_minutes(h.node, conn, "nate", [HUB], **values)  # type: ignore[arg-type]
    h.drain()
    return result.object


def test_a_mastodon_follower_gets_a_readable_create_article(h: Harness) -> None:
    # Given a Mastodon user following the author, and one following the hub
    ana = h.remote.add_actor(MASTO, "ana")
    follow(h, ana, f"{BASE}/users/nate")
    fan(h)
    article = publish(h)
    [create] = sent(h, MASTO, "Create")
    obj = create["object"]
    # Mastodon shows an Article as <h2>name</h2> + summary + a link to url
    assert obj["type"] == "Article" and obj["id"] == article["id"]
    assert obj["name"] == "GA minutes, 21 Nov"
    assert obj["summary"] == "Decisions on the &lt;port&gt; shutdown &amp; legal support"
    assert obj["url"] == obj["id"] and obj["url"].startswith(f"{BASE}/objects/")
    assert obj["attributedTo"] == f"{BASE}/users/nate"
    assert obj["to"] == ["https://www.w3.org/ns/activitystreams#Public", f"{BASE}/hubs/{HUB}"]
    assert obj["audience"] == f"{BASE}/hubs/{HUB}"
    assert obj["attachment"] == [
        {"type": "Link", "href": "https://ports.example/agenda.pdf", "name": "Agenda",
         "mediaType": "application/pdf"},
        {"type": "Link", "href": "https://ports.example/ga/recording", "name": "Recording"}]
    content = obj["content"]
    assert "<h2>General assembly, 21 November</h2>" in content
    assert '<a href="https://ports.example/map.png" rel="nofollow noopener noreferrer">map of ' \
           "the pickets</a>" in content
    assert '<a href="https://ports.example/agenda.pdf" rel="nofollow noopener noreferrer">' \
           "Agenda</a>" in content
    assert "<script>" not in content and "<h1>" not in content and "<img" not in content
    assert obj["proof"]["cryptosuite"] == "eddsa-jcs-2022"
    # and the hub's followers get it through the hub's Announce, in both forms
    announces = sent(h, FANS, "Announce")
    assert [a["object"]["type"] for a in announces] == ["Article", "Create"]
    with h.node.engine.connect() as conn:
        assert conn.execute(select(_item.c.kind, _item.c.state)).all() == [
            ("minutes", "published")]


def test_minutes_without_summary_or_attachments_have_no_such_fields(h: Harness) -> None:
    article = publish(h, summary="", attachments=[])
    assert "summary" not in article and "attachment" not in article
    assert "Attachments:" not in str(article["content"])


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"title": " "}, "minutes need a title"),
    ({"markdown": "   "}, "minutes need some text"),
    ({"markdown": "x" * (MAX_MARKDOWN + 1)}, f"at most {MAX_MARKDOWN} characters"),
    ({"summary": "s" * 501}, "a summary may have at most 500 characters"),
    ({"attachments": [("Agenda", "file:///etc/passwd")]}, "attachment 'Agenda' must be"),
    ({"attachments": [(" ", "https://ports.example/a")]}, "an attachment needs a name"),
])
def test_bad_minutes_are_refused_and_nothing_is_stored(h: Harness, kwargs: dict[str, object],
                                                       message: str) -> None:
    with pytest.raises(HubError, match=message):
        publish(h, **kwargs)
    with h.node.engine.connect() as conn:
        assert conn.execute(select(func.count()).select_from(_objects)).scalar_one() == 0


def test_a_non_member_may_not_post_minutes_into_the_hub(h: Harness) -> None:
    with h.node.engine.begin() as conn:
        from node.activitypub.local_actors import create_local_actor
        create_local_actor(conn, base_url=BASE, kind="person", username="eve", now=h.now)
    with pytest.raises(HubError, match="eve may not post here"), h.node.engine.begin() as conn:
        post_minutes(h.node, conn, "eve", [HUB], title="t", markdown="m")


def test_article_html_escapes_attachment_names() -> None:
    html = article_html("text", [{"href": "https://x.example/a?b=1&c=2", "name": "<b>x</b>"}])
    assert '<a href="https://x.example/a?b=1&amp;c=2" rel="nofollow noopener noreferrer">' \
           "&lt;b&gt;x&lt;/b&gt;</a>" in html


def test_minutes_from_the_cli_read_a_file_or_stdin(
        database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str], engine: Engine) -> None:
    flags = ["--url", BASE, "--database", database_url, "--data", str(tmp_path)]
    monkeypatch.setattr("sys.stdin", io.StringIO("correct horse battery\n"))
    assert main(["user", "create", "nate", "--password-stdin", *flags]) == 0
    assert main(["hub", "create", HUB, "--title", "Port", "--admin", "nate", *flags]) == 0
    source = tmp_path / "ga.md"
    source.write_text(MINUTES, encoding="utf-8")
    assert main(["minutes", "--as", "nate", "--hub", HUB, "--title", "GA", "--summary", "s",
                 "--attach", "Agenda=https://ports.example/agenda.pdf", str(source),
                 *flags]) == 0
    monkeypatch.setattr("sys.stdin", io.StringIO("## From stdin\nbody"))
    assert main(["minutes", "--as", "nate", "--hub", HUB, "--title", "GA 2", "-", *flags]) == 0
    assert main(["minutes", "--as", "nate", "--hub", HUB, "--title", "GA 3",
                 str(tmp_path / "missing.md"), *flags]) == 1
    captured = capsys.readouterr()
    assert captured.out.count("ionode: published https://philly.example/objects/") == 2
    assert captured.err.strip() == f"ionode: error: no file {tmp_path / 'missing.md'} (use - " \
                                   "for standard input)"
    with engine.connect() as conn:
        names = conn.execute(select(_objects.c.document)).scalars().all()
    assert sorted(d["name"] for d in names) == ["GA", "GA 2"]
    assert any("<h3>From stdin</h3>" in d["content"] for d in names)
