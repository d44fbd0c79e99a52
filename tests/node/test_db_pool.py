"""The PostgreSQL pool: no ping per transaction, yet dead connections are replaced."""

from __future__ import annotations

import os

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from node.db import make_engine

URL = os.environ.get("IONODE_TEST_POSTGRES")
# PostgreSQL-only behaviour: it runs wherever the PostgreSQL pass runs. In CI the
# variable is mandatory, so there a missing URL fails these tests instead of skipping.
pytestmark = pytest.mark.skipif(not URL and not os.environ.get("CI"),
                                reason="IONODE_TEST_POSTGRES is not set (PostgreSQL pass off)")


def _kill_other_connections(url: str, pid: int) -> None:
    killer = make_engine(url)
    try:
        with killer.begin() as conn:
            conn.execute(text("SELECT pg_terminate_backend(:pid)"), {"pid": pid})
    finally:
        killer.dispose()


def _backend_pid(engine: object) -> int:
    with engine.connect() as conn:  # type: ignore[attr-defined]
        return int(conn.execute(text("SELECT pg_backend_pid()")).scalar_one())


def test_no_pre_ping_per_checkout() -> None:
    assert URL is not None
    engine = make_engine(URL)
    try:
        assert engine.pool._pre_ping is False  # type: ignore[attr-defined]
        statements: list[str] = []
        from sqlalchemy import event

        event.listen(engine, "before_cursor_execute",
                     lambda *args: statements.append(args[2]))
        for _ in range(3):
            with engine.begin() as conn:
                conn.execute(text("SELECT 42"))
        assert statements == ["SELECT 42"] * 3
    finally:
        engine.dispose()


def test_connection_killed_while_idle_is_replaced_transparently() -> None:
    assert URL is not None
    engine = make_engine(URL, pool_size=1, ping_after_idle=0.0)
    try:
        pid = _backend_pid(engine)
        _kill_other_connections(URL, pid)
        assert _backend_pid(engine) != pid  # pinged on checkout, replaced, no error
    finally:
        engine.dispose()


def test_connection_killed_in_use_recovers_on_the_next_transaction() -> None:
    assert URL is not None
    engine = make_engine(URL, pool_size=1)  # checked out within the idle window: no ping
    try:
        pid = _backend_pid(engine)
        _kill_other_connections(URL, pid)
        with pytest.raises(DBAPIError) as failed:
            _backend_pid(engine)
        assert failed.value.connection_invalidated
        assert _backend_pid(engine) != pid  # the pool was invalidated: a fresh connection
    finally:
        engine.dispose()
