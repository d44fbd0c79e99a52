"""A new, never-migrated database on each configured backend (the ``engine`` fixture's
databases are migrated already)."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.storage import (
    backends,
    create_postgres_database,
    drop_postgres_database_later,
    run_database_name,
)

_numbers = itertools.count()


@pytest.fixture(params=backends())
def fresh_database(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'fresh' / 'ionode.db'}"
        return
    name = run_database_name(f"fresh{next(_numbers)}")
    url = create_postgres_database(name)
    try:
        yield url
    finally:
        drop_postgres_database_later(name)
