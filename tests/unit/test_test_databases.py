"""Test runs sharing one PostgreSQL server never touch each other's databases (issue 7, 1.12)."""

from __future__ import annotations

import subprocess
import sys

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.exc import ProgrammingError

from tests import storage

NAME_OF_A_RUN = (
    "import tests.storage as s; print(s.run_database_name('test'))"
)


def name_in_a_new_process(env: dict[str, str]) -> str:
    result = subprocess.run([sys.executable, "-c", NAME_OF_A_RUN], env=env, check=True,
                            capture_output=True, text=True)
    return result.stdout.strip()


def test_two_runs_get_different_names() -> None:
    base = {"PATH": "", "PYTEST_XDIST_WORKER": "gw0"}
    first = name_in_a_new_process(base)
    second = name_in_a_new_process(base)
    assert first != second
    assert first.startswith("ionode_test_") and first.endswith("_gw0")


def test_workers_of_one_run_share_the_run_token() -> None:
    shared = {"PATH": "", "PYTEST_XDIST_TESTRUNUID": "0123456789abcdef0123"}
    gw0 = name_in_a_new_process({**shared, "PYTEST_XDIST_WORKER": "gw0"})
    gw1 = name_in_a_new_process({**shared, "PYTEST_XDIST_WORKER": "gw1"})
    assert gw0 == "ionode_test_0123456789ab_gw0"
    assert gw1 == "ionode_test_0123456789ab_gw1"


@pytest.mark.skipif("postgresql" not in storage.backends(), reason="no PostgreSQL configured")
def test_an_existing_database_is_never_dropped_to_make_room() -> None:
    name = storage.run_database_name("clobber_probe")
    storage.create_postgres_database(name)
    try:
        with pytest.raises(ProgrammingError, match="already exists"):
            storage.create_postgres_database(name)
    finally:
        storage.drop_postgres_database(name)


@pytest.mark.skipif("postgresql" not in storage.backends(), reason="no PostgreSQL configured")
def test_a_name_made_again_waits_for_its_background_drop() -> None:
    """A worker's next test may make a database of the name its last test dropped on a
    thread; the create waits for that drop instead of finding the name still taken."""
    name = storage.run_database_name("again_probe")
    for _ in range(3):
        storage.create_postgres_database(name)
        storage.drop_postgres_database_later(name)
    storage.wait_for_drop(name)
    admin = create_engine(storage.postgres_admin_url())
    try:
        with admin.connect() as conn:
            left = conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :n"),
                                {"n": name}).first()
    finally:
        admin.dispose()
    assert left is None
