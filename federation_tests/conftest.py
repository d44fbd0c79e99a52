"""Fixtures: nodes as real processes, each on SQLite or (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from federation_tests.nodes import MakeNode, NodeProcess
from tests.storage import (
    backends,
    create_postgres_database,
    drop_postgres_database,
    run_database_name,
)


@pytest.fixture(params=backends())
def make_node(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[MakeNode]:
    """A factory of started nodes; the first node uses the parametrised backend."""
    started: list[NodeProcess] = []
    databases: list[str] = []

    def make(name: str, serve_flags: tuple[str, ...] = (), wait: bool = True) -> NodeProcess:
        data = tmp_path / name
        data.mkdir()
        database = f"sqlite:///{data / 'ionode.db'}"
        if request.param == "postgresql" and not started:
            db_name = run_database_name(f"fed_{name}")
            database = create_postgres_database(db_name)
            databases.append(db_name)
        node = NodeProcess(name=name, database=database, data_dir=data,
                           serve_flags=serve_flags)
        node.cli("migrate")
        node.launch()
        started.append(node)
        if wait:
            node.wait_started()
        return node

    yield make
    for node in started:
        node.stop()
    for db_name in databases:
        drop_postgres_database(db_name)
