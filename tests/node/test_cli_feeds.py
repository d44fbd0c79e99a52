"""``ionode feed add|list|poll|remove`` end to end: a loopback node (private addresses
allowed) fetching a real feed server on 127.0.0.1 through the guarded transport."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from node import cli
from node.hubs.hub.models import FeedSubscription, HubItem

Invoke = Callable[..., tuple[int, str, str]]
RSS = (Path(__file__).parents[1] / "fixtures" / "feeds" / "rss2.xml").read_bytes()


class FeedHandler(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        if self.path != "/feed.xml":
            self.send_error(404)
            return
        if self.headers.get("If-None-Match") == '"v1"':
            self.send_response(304)
            self.end_headers()
            return
        self.send_response(200)
        self.send_header("Content-Type", "application/rss+xml")
        self.send_header("ETag", '"v1"')
        self.send_header("Content-Length", str(len(RSS)))
        self.end_headers()
        self.wfile.write(RSS)

    def log_message(self, format: str, *args: object) -> None:
        pass


@pytest.fixture
def feed_url() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), FeedHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/feed.xml"
    server.shutdown()
    server.server_close()


@pytest.fixture
def run(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> Iterator[Invoke]:
    flags = ["--url", "http://localhost:8000", "--database", database_url, "--data",
             str(tmp_path)]

    def invoke(*args: str) -> tuple[int, str, str]:
        code = cli.main([*args, *flags])
        out = capsys.readouterr()
        return code, out.out.strip(), out.err.strip()

    assert invoke("hub", "create", "portshutdown", "--title", "Port Shutdown")[0] == 0
    yield invoke


def count(engine: Engine, table: Any) -> int:
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


def test_feed_commands(run: Invoke, feed_url: str, engine: Engine) -> None:
    invoke = run
    code, out, _ = invoke("feed", "add", "portshutdown", feed_url)
    assert code == 0 and "now follows the feed" in out and "published the 3 newest" in out
    assert count(engine, HubItem.__table__) == 3
    code, out, _ = invoke("feed", "list", "portshutdown")
    assert code == 0 and out.startswith(f"{feed_url}\tOccupy Oakland General Assembly")
    assert out.endswith("\tok")
    assert invoke("feed", "poll", "portshutdown") == (0, f"{feed_url}: not modified", "")
    assert invoke("feed", "poll")[1] == f"{feed_url}: not modified"
    assert invoke("feed", "remove", "portshutdown", feed_url)[0] == 0
    assert invoke("feed", "list", "portshutdown")[1] == "portshutdown follows no feeds"
    subs = FeedSubscription.__table__  # type: ignore[attr-defined]
    with engine.connect() as conn:  # kept, with its seen entries, but no longer polled
        (removed,) = conn.execute(select(subs.c.unsubscribed_at)).scalars()
    assert removed is not None


@pytest.mark.parametrize(("args", "message"), [
    (("feed", "add", "nohub", "{feed}"), "no hub named 'nohub'"),
    (("feed", "add", "portshutdown", "http://169.254.169.254/latest"), "link-local"),
    (("feed", "add", "portshutdown", "{feed}.missing"), "HTTP 404"),
    (("feed", "remove", "portshutdown", "{feed}"), "not subscribed"),
    (("feed", "list", "nohub"), "no hub named"),
    (("feed", "poll", "nohub"), "no hub named"),
])
def test_feed_command_errors(run: Invoke, feed_url: str, engine: Engine,
                             args: tuple[str, ...], message: str) -> None:
    code, _out, err = run(*(a.format(feed=feed_url) for a in args))
    assert code == 1 and err.startswith("ionode: error: ") and message in err
    assert count(engine, FeedSubscription.__table__) == 0


def test_adding_twice_is_refused(run: Invoke, feed_url: str) -> None:
    assert run("feed", "add", "portshutdown", feed_url)[0] == 0
    code, _, err = run("feed", "add", "portshutdown", feed_url)
    assert code == 1 and "already subscribed" in err
