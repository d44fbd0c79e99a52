"""Opening this node from a command: the settings it runs with, and its database.

A command typed in a second terminal must act on the node the first one serves: its
settings come from flags, then ``IONODE_*``, then ``<data>/node.json`` (written by
``serve`` and ``migrate``). Commands that change the node migrate the database and
check the URL recorded in it (:mod:`node.node_record`); commands that only read
(``status``, ``hub members`` ...) create nothing: no database, no secret key, no
folder. A database that does not exist is an error naming where it was looked for.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

from node.db import (
    Migration,
    current_revision,
    database_label,
    head_revision,
    make_engine,
    sqlite_path,
)
from node.node_record import check_url
from node.runtime import Node
from node.settings import Settings, SettingsError


def settings_from(args: argparse.Namespace, *, create: bool = True) -> Settings:
    """The settings of a command: its flags, then the environment, then ``node.json``.

    ``create=False`` (read-only commands) reads the secret key if there is one and
    creates nothing.
    """
    overrides: dict[str, Any] = {
        "url": args.url, "database": args.database, "data_dir": args.data,
        "listen_host": getattr(args, "host", None), "listen_port": getattr(args, "port", None),
    }
    settings = Settings.from_env(os.environ, **overrides)
    return settings.ensure_secret_key() if create else settings.existing_secret_key()


def open_for_change(settings: Settings) -> tuple[Node, Migration]:
    """The node with its database migrated, its URL checked and recorded, its node
    actor made; ``node.json`` records the settings for the next command."""
    from node.app import build_node, prepare

    node = build_node(settings)
    try:
        migration = asyncio.run(prepare(node))
    except BaseException:
        node.engine.dispose()
        raise
    settings.write_node_file()
    return node, migration


_MIGRATE_CHILD = ("import json, sys; from node.db import make_engine, migrate; "
                  "engine = make_engine(sys.argv[1]); done = migrate(engine); engine.dispose(); "
                  "print(json.dumps([done.before, done.after]))")


def migrate_apart(database: str) -> Migration | None:
    """Migrate ``database`` in a child process when it is behind the newest revision;
    ``None`` when there was nothing to do (or the child failed).

    ``ionode serve`` calls this before :func:`open_for_change`, so that alembic, Mako and
    the migration scripts (about 10 MB that would stay resident, issue 7 item 14) never
    load into the process that then serves. Best effort: an in-memory database (which
    only this process sees) or a failed child leaves the migration to
    :func:`open_for_change`, which then reports the error itself.
    """
    if database.startswith("sqlite") and sqlite_path(database) is None:
        return None
    engine = make_engine(database)
    try:
        if current_revision(engine) == head_revision():
            return None
    finally:
        engine.dispose()
    # our own interpreter and code; the URL is one argv item, never parsed by a shell
    child = subprocess.run([sys.executable, "-c", _MIGRATE_CHILD, database],  # noqa: S603
                           capture_output=True, text=True, check=False)
    try:
        before, after = json.loads(child.stdout.splitlines()[-1])
    except (IndexError, ValueError):  # the child failed: no JSON line
        return None
    return Migration(before, after)


def open_for_reading(settings: Settings) -> Node:
    """The node on its existing, migrated database; refuses rather than creating any."""
    from node.app import build_node

    where = database_label(settings.database)
    path = sqlite_path(settings.database)
    if path is not None and not Path(path).is_file():
        raise SettingsError(
            f"no database at {path}: start the node first (`make run` or `ionode migrate`),"
            " or name its database with --database or its data directory with --data")
    node = build_node(settings)
    try:
        revision, head = current_revision(node.engine), head_revision()
        if revision != head:
            state = "has no ionode tables" if revision is None else f"is at revision {revision}"
            raise SettingsError(f"the database at {where} {state}, this ionode needs "
                                f"revision {head}: run `ionode migrate` first")
        with node.engine.connect() as conn:
            check_url(conn, settings.url, where)
    except BaseException:
        node.engine.dispose()
        raise
    return node
