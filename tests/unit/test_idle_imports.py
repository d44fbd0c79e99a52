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

import json
import os
import subprocess
import sys
from typing import Any

import pytest

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
    "httpcore": "node.activitypub.ssrf_httpcore only: the node's HTTP goes through aiohttp",
    "h11": "httpcore's HTTP/1.1, never used by a serving node",
    "alembic": "migrations, run apart from the serving process",
    "psycopg": "PostgreSQL only",
    "watchfiles": "uvicorn --reload, never used by ionode",
    "websockets": "no WebSocket route",
    "hypothesis": "tests",
    "pytest": "tests",
}

PROBE = """
import argparse, json, sys
from node.cli import parser
from node.app import create_app
from node.local_node import settings_from

parser()  # every subcommand registered, as `ionode serve` does before running
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
