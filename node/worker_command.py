"""``ionode worker`` and ``ionode serve --workers N``: where the background workers run.

``serve`` runs the workers inside by default; ``serve --workers 0`` is web only, and
``ionode worker`` runs the workers alone, without HTTP, beside it on the same database
(issue 9, item 8; deploy/README.md, "Scale-out"). Kept apart from ``node.cli`` so that
the command's wiring is read in one place.
"""

from __future__ import annotations

import argparse
import os
from contextlib import AbstractContextManager, nullcontext

from node.db import database_label
from node.local_node import open_for_change, settings_from
from node.settings import Settings, SettingsError
from node.workers import sqlite_workers_lock


def add_workers_flag(command: argparse.ArgumentParser) -> None:
    """``serve --workers N``."""
    command.add_argument("--workers", type=int, metavar="N", help="inbox and delivery "
                         "workers in this process (default IONODE_INBOX_WORKERS, "
                         "IONODE_DELIVERY_WORKERS); 0: web only, beside `ionode worker`")


def register(sub: argparse._SubParsersAction[argparse.ArgumentParser],
             common: argparse.ArgumentParser) -> None:
    """``ionode worker [--workers N]``."""
    worker = sub.add_parser("worker", parents=[common], help="run the workers alone, no HTTP")
    worker.add_argument("--workers", type=int, metavar="N",
                        help="inbox and delivery workers (default as serve)")
    worker.set_defaults(run=cmd_worker)


def with_workers(settings: Settings, workers: int | None) -> Settings:
    """``--workers N``: N inbox and N delivery workers (0 in ``serve``: web only)."""
    if workers is None:
        return settings
    if workers < 0:
        raise SettingsError(f"--workers must be 0 or more, got {workers}")
    return settings.with_overrides(inbox_workers=workers, delivery_workers=workers)


def serving_lock(settings: Settings, workers: int | None) -> AbstractContextManager[None]:
    """What ``serve`` holds while it runs: the SQLite workers lock, unless web only."""
    return nullcontext() if workers == 0 else sqlite_workers_lock(settings.database)


def cmd_worker(args: argparse.Namespace) -> int:
    """The workers alone, no HTTP, until SIGTERM or SIGINT (then gracefully)."""
    import anyio

    from node.app import background_tasks, build_node
    from node.memory_trim import limit_arenas
    from node.workers import serve_workers

    limit_arenas(os.environ)  # before any thread: see node.memory_trim

    if args.workers == 0:
        raise SettingsError("a worker needs workers: give --workers 1 or more")
    settings = with_workers(settings_from(args), args.workers)
    node, migration = open_for_change(settings)
    node.engine.dispose()
    with sqlite_workers_lock(settings.database):
        print(f"ionode: worker for {settings.url}: {settings.inbox_workers} inbox and "
              f"{settings.delivery_workers} delivery workers and the periodic jobs, no "
              f"HTTP; {migration.describe(database_label(settings.database))}", flush=True)
        anyio.run(serve_workers, build_node(settings), background_tasks(),
                  backend_options={"use_uvloop": True})
    print("ionode: worker stopped", flush=True)
    return 0
