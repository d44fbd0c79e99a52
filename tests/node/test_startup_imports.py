"""A serving node loads no library it does not use yet (issue 7, item 14: idle memory).

An idle node held 112-119 MB; every library imported at start-up stays resident. The
calendar and feed parsers, Markdown (and its linkify and plugins), argon2, alembic (on a
database at the head revision), aiohttp (the delivery client's, at the first delivery),
Pillow and blurhash (when an image is decoded), ElementTree (Atom, host-meta), dateutil
(recurring calls), Babel's catalogue compiler (the first page), and the PostgreSQL driver
and SQLAlchemy's PostgreSQL dialect (on SQLite) are imported where they are used; so are
cryptography (~8 MB: the first key made, read or checked), jinja2, Babel and nh3 (the
first page, date or sanitised HTML). This
builds the app as ``ionode serve`` does, in a fresh interpreter, runs its start-up
(migration check, node actor, workers) and lists the heavy modules then loaded.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from node.app import all_routes
from node.cli import DOMAIN_COMMANDS
from node.db import current_revision, head_revision, make_engine, migrate
from node.lazy_routes import LazyRoutes

HEAVY = ("icalendar", "feedparser", "markdown_it", "argon2", "alembic", "psycopg", "PIL",
         "mako", "aiohttp", "httpx_aiohttp", "blurhash", "linkify_it", "mdit_py_plugins",
         "xml", "pyexpat", "dateutil", "babel.messages", "difflib",
         "sqlalchemy.dialects.postgresql",
         # the first request of a kind: a signature made or checked (its key read), a page
         # or mail rendered, a date shown, HTML sanitised
         "cryptography", "jinja2", "babel", "nh3",
         # httpx's own stack: the node fetches and delivers through aiohttp
         "httpcore", "h11",
         # httpx itself (and http.client, email, idna): the first fetch or delivery
         "httpx")
#: The node's own modules imported at their first use (about 4 MB): the pages' and
#: documents' route modules (node.lazy_routes), the actor and object pages
#: (node.web.lazy_pages), and the subcommands a serving process never runs.
FIRST_USE = ("node.web.pages", *DOMAIN_COMMANDS,
             *(route.module for route in all_routes() if isinstance(route, LazyRoutes)))
PROBE = """
import asyncio, json, sys
from pathlib import Path
from node.app import create_app
from node.settings import Settings

settings = Settings(url="http://localhost:8000", database=sys.argv[1], secret_key="x",
                    data_dir=Path(sys.argv[2]))
app = create_app(settings)

async def start() -> None:
    async with app.router.lifespan_context(app):
        await asyncio.sleep(0.5)  # workers and periodic tasks take their first turn

asyncio.run(start())
heavy = json.loads(sys.argv[3])
print(json.dumps(sorted(m for m in sys.modules
                        if any(m == h or m.startswith(h + ".") for h in heavy))))
"""


#: Loaded by a node's first start only: it makes the node's and the newswire's actors,
#: and their keys (``node.app.prepare``; ``ionode migrate`` makes them too).
FIRST_START = ("cryptography",)


def _started_with(database: str, tmp_path: Path, heavy: tuple[str, ...]) -> list[str]:
    """The modules of ``heavy`` a fresh interpreter holds after the node's start-up."""
    result = subprocess.run([sys.executable, "-c", PROBE, database, str(tmp_path),
                             json.dumps(heavy)], capture_output=True, text=True, timeout=120,
                            check=False)
    assert result.returncode == 0, result.stderr
    loaded: list[str] = json.loads(result.stdout.splitlines()[-1])
    return loaded


def test_serving_start_up_imports_no_heavy_library(tmp_path: Path) -> None:
    database = f"sqlite:///{tmp_path / 'ionode.db'}"
    engine = make_engine(database)
    migrate(engine)  # as `make run` and the systemd unit do before `serve`
    engine.dispose()
    first = tuple(name for name in HEAVY if name not in FIRST_START)
    assert _started_with(database, tmp_path, first) == []
    assert _started_with(database, tmp_path, HEAVY + FIRST_USE) == []  # every later start


MIGRATE_APART = """
import json, sys
from node.local_node import migrate_apart
done = migrate_apart(sys.argv[1])
again = migrate_apart(sys.argv[1])
print(json.dumps([done.before, done.after, again, "alembic" in sys.modules]))
"""


def test_serve_migrates_a_new_database_in_a_child_process(tmp_path: Path) -> None:
    """``ionode serve`` on a new (or older) database: alembic runs in a child process,
    and the serving process never loads it; at the head there is nothing to do."""
    database = f"sqlite:///{tmp_path / 'ionode.db'}"
    result = subprocess.run([sys.executable, "-c", MIGRATE_APART, database],
                            capture_output=True, text=True, timeout=120, check=False)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.splitlines()[-1]) == [None, head_revision(), None, False]
    engine = make_engine(database)
    try:
        assert current_revision(engine) == head_revision()
    finally:
        engine.dispose()
