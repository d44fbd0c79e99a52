"""What a started node has imported before it does any work (issue 7, item 1.14: idle RSS).

Every module a process imports stays resident: its code objects, classes and tables.
The libraries below are used only by rare work (a mail sent, an image uploaded, an
.ics or a feed read, a password checked, a migration run, PostgreSQL), by the first
request of a kind (a page rendered, a signature made or checked, HTML sanitised) or
never by a serving node at all (tests, ``uvicorn --reload``), so ``ionode serve`` must
not load them at start (cryptography alone is ~8 MB, jinja2, Babel and nh3 ~4 MB). A
fresh interpreter builds the app as ``ionode serve`` does (without
starting its lifespan) and reports which of them it holds, and which table models
built their pydantic validators (none should: see ``node.columns.TableModel``).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from typing import Any

import pytest

from node.app import all_routes
from node.cli import DOMAIN_COMMANDS
from node.lazy_routes import LazyRoutes

# module -> where it belongs instead of start-up
DEFERRED = {
    "aiosmtplib": "node.newswire.digest.smtp, when a mail is sent",
    "email.policy": "node.newswire.digest.smtp, when a mail is made",
    "PIL": "node.media.images, when an image is uploaded",
    "blurhash": "node.media, when an image is uploaded",
    "icalendar": "calendar exports and iCal feeds",
    "feedparser": "hub feed subscriptions, when a feed is read",
    "markdown_it": "node.text, when a post is written",
    "argon2": "node.accounts.passwords, when a password is checked",
    "cryptography": "node.activitypub.keys and sigtypes, when a key is made, read or used",
    "jinja2": "node.web.jinja_env, at the first page or mail rendered",
    "babel": "node.web.i18n and node.web.dates, at the first page, date or mail",
    "nh3": "node.html and the plain-text helpers, when HTML is sanitised",
    "httpx": "node.activitypub.transport's first-use client and transport, at the first "
             "fetch or delivery",
    "httpcore": "node.activitypub.ssrf_httpcore only: the node's HTTP goes through aiohttp",
    "h11": "httpcore's HTTP/1.1, never used by a serving node",
    "alembic": "migrations, run apart from the serving process",
    "psycopg": "PostgreSQL only",
    "watchfiles": "uvicorn --reload, never used by ionode",
    "websockets": "no WebSocket route",
    "hypothesis": "tests",
    "pytest": "tests",
    # the node's own modules, imported at their first use (about 4 MB together)
    "node.web.pages": "node.web.lazy_pages, the first actor or object page a browser gets",
    **{module: "node.cli, for a subcommand other than serve, worker and migrate"
       for module in DOMAIN_COMMANDS},
    **{route.module: "node.lazy_routes, at its first request"
       for route in all_routes() if isinstance(route, LazyRoutes)},
}

PROBE = """
import argparse, json, sys
from node.cli import parser
from node.app import create_app
from node.local_node import settings_from

parser(domains=False)  # as `ionode serve` parses its command line
settings = settings_from(argparse.Namespace(url="http://127.0.0.1:8999", database=None,
                                            data=sys.argv[1]))
create_app(settings, start_workers=False)
from pydantic._internal._mock_val_ser import MockValSer
from sqlmodel import SQLModel
built = sorted(mapper.class_.__name__ for mapper in SQLModel._sa_registry.mappers
               if not isinstance(mapper.class_.__pydantic_validator__, MockValSer))
print(json.dumps({"loaded": sorted(set(sys.argv[2:]) & set(sys.modules)), "tables": len(
    SQLModel.metadata.tables), "built": built}))
"""


@pytest.fixture(scope="module")
def started(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """What the probe found: optional libraries loaded, tables, validators built."""
    tmp_path = tmp_path_factory.mktemp("idle")
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "data"), *DEFERRED],
        env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    found: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return found


def test_serving_node_imports_no_optional_library_at_start(started: dict[str, Any]) -> None:
    loaded = started["loaded"]
    assert {name: DEFERRED[name] for name in loaded} == {}


def test_table_models_build_no_pydantic_validator_at_start(started: dict[str, Any]) -> None:
    """SQLModel sets a table model's attributes without validating them, so each
    table's pydantic validator and serializer wait for their first use
    (``node.columns.TableModel``, ``defer_build``)."""
    assert started["tables"] >= 45
    assert started["built"] == []


def test_serving_commands_parse_without_the_domain_subcommands(
        monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    """``ionode serve``, ``worker`` and ``migrate`` never import the domain packages'
    command modules; every other command line is parsed with all of them."""
    from node import cli

    seen: list[bool] = []
    real = cli.parser

    def recording(*, domains: bool = True) -> argparse.ArgumentParser:
        seen.append(domains)
        return real(domains=domains)

    monkeypatch.setattr(cli, "parser", recording)
    for words in (["serve", "--help"], ["worker", "--help"], ["migrate", "--help"],
                  ["hub", "--help"], ["--help"]):
        with pytest.raises(SystemExit):
            cli.main(words)
    assert seen == [False, False, False, True, True]
    assert "create" in capsys.readouterr().out  # `ionode hub --help` lists its commands
    served = real(domains=False)._subparsers._group_actions[0].choices  # type: ignore[union-attr]
    assert set(served) >= {"serve", "worker", "migrate"} and "hub" not in served
