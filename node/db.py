"""Database engine and migrations: SQLite by default, PostgreSQL selected by URL.

SQLite runs in WAL mode with a busy timeout so the web process and its workers can
read while one writes. PostgreSQL URLs (``postgresql://``) use psycopg 3.
"""

from __future__ import annotations

import fcntl
import importlib.util
import json
import re
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson
from sqlalchemy import Engine, create_engine, event, exc, text
from sqlalchemy.engine import Connection, make_url
from sqlalchemy.pool import NullPool

if TYPE_CHECKING:
    from alembic.config import Config
    from sqlalchemy import Table
    from sqlalchemy.dialects.postgresql import Insert as PostgresInsert
    from sqlalchemy.dialects.sqlite import Insert as SQLiteInsert

MIGRATIONS = Path(__file__).parent / "migrations"
#: Key of the PostgreSQL advisory lock held while migrating (any fixed 64-bit number).
MIGRATION_LOCK_KEY = 0x696F6E6F6465  # "ionode"


class DatabaseURLError(ValueError):
    """The database URL names a backend this installation cannot use; says what to do."""


def normalise_database_url(url: str) -> str:
    """Map ``postgres://`` and ``postgresql://`` to the psycopg 3 driver."""
    if url.startswith("postgres://"):
        url = "postgresql://" + url[len("postgres://") :]
    if url.startswith("postgresql://"):
        url = "postgresql+psycopg://" + url[len("postgresql://") :]
    return url


def sqlite_path(url: str) -> str | None:
    """The file of a SQLite URL (``None`` for other backends and in-memory databases)."""
    parsed = make_url(normalise_database_url(url))
    if parsed.get_backend_name() != "sqlite" or parsed.database in (None, "", ":memory:"):
        return None
    return parsed.database


def database_label(url: str) -> str:
    """How messages name a database: a SQLite file's path, otherwise the URL without
    its password."""
    path = sqlite_path(url)
    if path is not None:
        return path
    try:
        return make_url(normalise_database_url(url)).render_as_string(hide_password=True)
    except exc.ArgumentError:
        return url.split("?")[0]


def json_text(value: Any) -> str:
    """JSON columns are written by orjson, not the standard ``json.dumps``, which recursed
    once per level and raised ``RecursionError`` on an activity of 1,000 nested arrays
    (issue 7, 2.1). orjson does not use the interpreter's stack and writes 254 levels, far
    above what the inbox and the fetcher accept (``activitypub/json_budget.py``: 32)."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def json_value(text: str | bytes) -> Any:
    """A JSON column's value, read by orjson; rows written before by ``json.dumps`` may
    hold ``NaN`` or ``Infinity``, which only the standard library reads back."""
    try:
        return orjson.loads(text)
    except orjson.JSONDecodeError:
        return json.loads(text)


def is_postgres(engine: Engine) -> bool:
    return engine.dialect.name == "postgresql"


def upsert_insert(dialect: str, table: Table) -> PostgresInsert | SQLiteInsert:
    """An ``INSERT`` that takes ``ON CONFLICT`` clauses, for ``conn.dialect.name``.

    Imported here, not at the top: ``sqlalchemy.dialects.postgresql`` loads every
    PostgreSQL driver's dialect (21 modules, about 4 MB resident), which a node on SQLite
    never needs (issue 7, item 14: idle memory).
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert
        return pg_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert
    return sqlite_insert(table)


def make_engine(url: str, *, pool_size: int = 10,
                ping_after_idle: float | None = None) -> Engine:
    """Create the engine for ``url``, creating the SQLite file's directory if needed."""
    url = normalise_database_url(url)
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        database = parsed.database or ""
        if database and database != ":memory:":
            Path(database).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(
            url,
            connect_args={"check_same_thread": False, "timeout": 30},
            poolclass=NullPool if database in ("", ":memory:") else None,
            json_serializer=json_text, json_deserializer=json_value,
        )
        event.listen(engine, "connect", _sqlite_pragmas)
        return engine
    if parsed.get_backend_name() == "postgresql":
        if importlib.util.find_spec("psycopg") is None:
            raise DatabaseURLError(
                "PostgreSQL needs its driver: pip install 'ionode[postgres]' (psycopg 3)")
        engine = create_engine(url, pool_size=pool_size, max_overflow=pool_size,
                               pool_recycle=RECYCLE_SECONDS, json_serializer=json_text,
                               json_deserializer=json_value)
        _ping_when_idle(engine, PING_AFTER_IDLE_SECONDS if ping_after_idle is None
                        else ping_after_idle)
        return engine
    raise DatabaseURLError(f"unsupported database URL {url!r}: use sqlite:/// or postgresql://")


#: A pooled PostgreSQL connection older than this is replaced on checkout.
RECYCLE_SECONDS = 1800
#: A connection idle in the pool for longer than this is pinged before use.
PING_AFTER_IDLE_SECONDS = 5.0


def _ping_when_idle(engine: Engine, idle_seconds: float) -> None:
    """Pessimistic disconnect handling without a round trip per transaction.

    ``pool_pre_ping`` pings on every checkout (a ``SELECT 1`` round trip per
    transaction); here only a connection that sat idle in the pool is pinged, so one
    that died while idle (a database restart, an idle timeout) is replaced transparently.
    A connection that fails in use is invalidated by SQLAlchemy's disconnect detection
    (with every older connection in the pool) and the next checkout opens a fresh one.
    """
    dialect = engine.dialect

    @event.listens_for(engine, "checkin")
    def _checked_in(_dbapi_connection: Any, record: Any) -> None:
        record.info["checked_in_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _checkout(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        idle_since = record.info.get("checked_in_at")
        if idle_since is None or time.monotonic() - idle_since < idle_seconds:
            return
        try:
            alive = dialect.do_ping(dbapi_connection)
        except dialect.loaded_dbapi.Error as error:
            if not dialect.is_disconnect(error, dbapi_connection, None):
                raise
            alive = False
        if not alive:  # the pool discards it and checks out another (or a new) one
            raise exc.DisconnectionError("connection was closed while idle in the pool")


#: SQLite's page cache per pooled connection in KiB (``PRAGMA cache_size=-N``; SQLite's
#: default is 2,000). The pages are in the OS's file cache anyway, so a smaller cache
#: costs a copy, not a disk read: the hub page of 10,000 items took 12.4-13.1 ms of CPU
#: with 2,000 KiB and 12.6-13.6 ms with 500 (bench/hub_page.py), while each connection a
#: node pools held up to 2 MB of it (issue 7, item 1.14: memory).
SQLITE_CACHE_KIB: int | None = 500


def _lower(value: object) -> object:
    """PostgreSQL's ``lower()`` in a UTF-8 database folds every letter; SQLite's folds
    ASCII only, so ``lower(region) = 'île-de-france'`` matched ``Île-de-France`` on one
    backend and not the other. No index is built on ``lower()``."""
    return value.lower() if isinstance(value, str) else value


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
    cursor = dbapi_connection.cursor()
    if SQLITE_CACHE_KIB is not None:
        cursor.execute(f"PRAGMA cache_size=-{int(SQLITE_CACHE_KIB)}")
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def alembic_config(engine: Engine) -> Config:
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = engine
    return config


@dataclass(frozen=True)
class Migration:
    """What :func:`migrate` did: the revision before (``None``: a new database) and after."""

    before: str | None
    after: str

    def describe(self, where: str) -> str:
        """One sentence for the operator (``ionode migrate``, the start banner)."""
        if self.before is None:
            return f"created the database at {where} at revision {self.after}"
        if self.before == self.after:
            return f"the database at {where} is already at revision {self.after}"
        return f"migrated the database at {where} from revision {self.before} to {self.after}"


def head_revision() -> str:
    """The newest migration's id, read from the version files without importing alembic.

    Migrations form one line (``python -m node.migrations.new`` appends to it): the head
    is the one revision no other names as its ``down_revision``.
    """
    revisions: set[str] = set()
    parents: set[str] = set()
    for path in (MIGRATIONS / "versions").glob("*.py"):
        source = path.read_text()
        revisions.update(_REVISION.findall(source))
        parents.update(_DOWN_REVISION.findall(source))
    heads = revisions - parents
    if len(heads) != 1:
        raise RuntimeError(f"migrations must form one line, found heads {sorted(heads)}")
    return heads.pop()


_REVISION = re.compile(r'^revision(?:: str)? = "([^"]+)"', re.MULTILINE)
_DOWN_REVISION = re.compile(r'^down_revision(?:: [^=]+)? = "([^"]+)"', re.MULTILINE)


def current_revision(engine: Engine) -> str | None:
    """The database's revision, ``None`` when it was never migrated."""
    with engine.connect() as conn:
        if "alembic_version" not in _table_names(conn):
            return None
        return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()


def _table_names(conn: Connection) -> list[str]:
    from sqlalchemy import inspect

    return inspect(conn).get_table_names()


def migrate(engine: Engine) -> Migration:
    """Apply every pending migration (``ionode migrate``, and on every start).

    Several processes may start at once on a new database (two web processes, a
    ``migrate`` beside a ``serve``): they take turns under :func:`migration_lock`, so
    the second finds the schema made and has nothing to do. A database already at the
    head is left alone without loading alembic (a serving node keeps it out of memory).
    """
    head = head_revision()
    before = current_revision(engine)
    if before == head:
        return Migration(before, head)
    with migration_lock(engine):
        from alembic import command

        before = current_revision(engine)  # another process may have migrated meanwhile
        command.upgrade(alembic_config(engine), "head")
    after = current_revision(engine)
    assert after is not None
    return Migration(before, after)


@contextmanager
def migration_lock(engine: Engine) -> Iterator[None]:
    """Hold the node's migration lock: a PostgreSQL advisory lock, or on SQLite a file
    lock (``fcntl``) on ``<database>.migrate-lock`` beside the database file.

    An in-memory SQLite database belongs to one process and needs none.
    """
    if is_postgres(engine):
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK_KEY})
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"),
                             {"key": MIGRATION_LOCK_KEY})
        return
    database = engine.url.database or ""
    if database in ("", ":memory:"):
        yield
        return
    with open(f"{database}.migrate-lock", "a+b") as lock_file:
        fcntl.flock(lock_file, fcntl.LOCK_EX)  # released when the file is closed
        yield


@contextmanager
def transaction(engine: Engine) -> Iterator[Connection]:
    """A connection inside one transaction, committed on success, rolled back on error."""
    with engine.begin() as connection:
        yield connection
