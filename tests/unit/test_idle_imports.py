"""What a started node has imported before it does any work (issue 7, item 1.14: idle RSS).

Every module a process imports stays resident: its code objects, classes and tables.
The libraries below are used only by rare work (a mail sent, an image uploaded, an
.ics or a feed read, a password checked, a migration run, PostgreSQL) or never by a
serving node at all (tests, ``uvicorn --reload``), so ``ionode serve`` must not load
them at start. A fresh interpreter builds the app as ``ionode serve`` does (without
starting its lifespan) and reports which of them it holds.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

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
print(json.dumps(sorted(set(sys.argv[2:]) & set(sys.modules))))
"""


def test_serving_node_imports_no_optional_library_at_start(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("IONODE_")}
    done = subprocess.run(
        [sys.executable, "-c", PROBE, str(tmp_path / "data"), *DEFERRED],
        env=env, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr
    loaded = json.loads(done.stdout.strip().splitlines()[-1])
    assert {name: DEFERRED[name] for name in loaded} == {}
