"""The ``ionode`` command: run a node and operate it (also what federation tests drive).

Every subcommand takes ``--url``, ``--database`` and ``--data`` to override the
``IONODE_*`` environment. Errors print one line to stderr and exit non-zero.
"""

from __future__ import annotations

import argparse
import importlib
import os
import sys
from collections.abc import Callable, Sequence

from sqlalchemy.exc import OperationalError

from node.accounts.passwords import PasswordError
from node.accounts.service import AccountError
from node.accounts.users import has_users
from node.activitypub.local_actors import ActorError
from node.commands import NODES, follow_command, status_lines
from node.db import DatabaseURLError, database_label
from node.local_node import migrate_apart, open_for_change, settings_from
from node.newswire.errors import NewsError
from node.runtime import Node
from node.settings import NODE_FILE, SettingsError
from node.settings import _bool as env_flag
from node.text import TextError
from node.typed_command import typed_command
from node.worker_command import add_workers_flag, serving_lock, with_workers
from node.worker_command import register as register_worker

EXIT_ERROR = 1
# Domain packages add their own subcommands: each module has register(sub, common, nodes).
DOMAIN_COMMANDS = ("node.accounts.cli", "node.hubs.hub.cli", "node.hubs.updates.cli",
                   "node.hubs.minutes.cli",
                   "node.hubs.events.cli", "node.hubs.calls.cli",
                   "node.hubs.polls.cli", "node.hubs.feeds.cli",
                   "node.hubs.hub.cli_items", "node.network.cli", "node.newswire.cli",
                   "node.newswire.reports.cli", "node.newswire.blocks.cli")
#: Commands that run a node's processes: they parse without the domain subcommands, so
#: their modules (and what only they import) stay out of a serving process (issue 7, 1.14).
SERVING_COMMANDS = ("serve", "worker", "migrate")
OPERATOR_ERRORS = (ActorError, AccountError, DatabaseURLError, PasswordError, SettingsError,
                   TextError, NewsError)


def start_hints(node: Node) -> list[str]:
    """What the start banner tells the operator to do next: on a node with no account
    yet, how to create the first organizer (said on every start before, which misled an
    operator who had made theirs long ago)."""
    with node.engine.connect() as conn:
        if has_users(conn):
            return []
    return [f"ionode: create the first organizer with: {typed_command('user create NAME')}"]


def cmd_serve(args: argparse.Namespace) -> int:
    import uvicorn

    from node.app import create_app
    from node.memory_trim import limit_arenas

    limit_arenas(os.environ)  # before any thread: see node.memory_trim

    settings = with_workers(settings_from(args), args.workers)
    migrated = migrate_apart(settings.database)  # alembic stays out of the serving process
    node, migration = open_for_change(settings)  # node.json before the first request
    migration = migrated or migration
    hints = start_hints(node)
    node.engine.dispose()
    where = database_label(settings.database)
    print(f"ionode: serving {settings.url} (listening on {settings.listen_host}:"
          f"{settings.listen_port}); {migration.describe(where)}")
    if hints:
        print("\n".join(hints))
    # the access log costs 20-30 % of inbox throughput; the reverse proxy logs requests
    access_log = env_flag(os.environ, "IONODE_ACCESS_LOG")
    app = create_app(settings, freeze_heap=True, start_workers=args.workers != 0)
    with serving_lock(settings, args.workers):  # --workers 0: web only
        uvicorn.run(app, host=settings.listen_host, port=settings.listen_port,
                    log_level=os.environ.get("IONODE_LOG_LEVEL", "info"),
                    proxy_headers=True, access_log=access_log,
                    ws="none")  # no WebSocket route: keeps `websockets` (2.4 MB) unloaded
    return 0


def cmd_migrate(args: argparse.Namespace) -> int:
    settings = settings_from(args)
    node, migration = open_for_change(settings)
    node.engine.dispose()
    print(f"ionode: {migration.describe(database_label(settings.database))}")
    print(f"ionode: this node is {settings.url}; its settings are in "
          f"{settings.data_dir / NODE_FILE}")
    return 0


def cmd_follow(args: argparse.Namespace) -> int:

    print(follow_command(args, undo=False))
    return 0


def cmd_unfollow(args: argparse.Namespace) -> int:

    print(follow_command(args, undo=True))
    return 0


def cmd_status(args: argparse.Namespace) -> int:

    print("\n".join(status_lines(args)))
    return 0


def parser(*, domains: bool = True) -> argparse.ArgumentParser:
    """The ``ionode`` parser; ``domains=False`` leaves out the domain packages'
    subcommands (:data:`DOMAIN_COMMANDS`), which a serving command never runs."""
    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--url", help="public base URL (IONODE_URL)")
    common.add_argument("--database", help="database URL (IONODE_DATABASE)")
    common.add_argument("--data", help="data directory (IONODE_DATA, default ./data)")
    top = argparse.ArgumentParser(prog="ionode", description="a federated hub network node")
    sub = top.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", parents=[common], help="run the node")
    serve.add_argument("--host", help="listen address (IONODE_HOST, default 127.0.0.1)")
    serve.add_argument("--port", type=int, help="listen port (IONODE_PORT, default 8000)")
    add_workers_flag(serve)
    serve.set_defaults(run=cmd_serve)
    register_worker(sub, common)  # ionode worker
    sub.add_parser("migrate", parents=[common], help="apply database migrations"
                   ).set_defaults(run=cmd_migrate)
    for module in DOMAIN_COMMANDS if domains else ():
        importlib.import_module(module).register(sub, common, NODES)
    for name, run in (("follow", cmd_follow), ("unfollow", cmd_unfollow)):
        cmd = sub.add_parser(name, parents=[common], help=f"{name} a remote actor")
        cmd.add_argument("--as", dest="as_user", required=True, metavar="NAME")
        cmd.add_argument("target", help="acct:user@host, @user@host or an actor URL")
        cmd.set_defaults(run=run)
    sub.add_parser("status", parents=[common], help="queues, failing hosts, counts"
                   ).set_defaults(run=cmd_status)
    return top


def main(argv: Sequence[str] | None = None) -> int:
    words = sys.argv[1:] if argv is None else list(argv)
    args = parser(domains=not words or words[0] not in SERVING_COMMANDS).parse_args(words)
    run: Callable[[argparse.Namespace], int] = args.run
    try:
        return run(args)
    except OPERATOR_ERRORS as exc:
        print(f"ionode: error: {exc}", file=sys.stderr)
    except OperationalError as exc:
        print(f"ionode: error: database unavailable: {exc.orig}", file=sys.stderr)
    except KeyboardInterrupt:
        print("ionode: interrupted", file=sys.stderr)
    except BrokenPipeError:
        # `ionode status | head`: the reader has gone. Point stdout at /dev/null so the
        # interpreter's final flush does not raise again (Python docs, "Note on SIGPIPE").
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
    return EXIT_ERROR
