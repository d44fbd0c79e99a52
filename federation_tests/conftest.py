"""Fixtures: nodes as real processes, each on SQLite or (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from federation_tests.nodes import MakeNode, NodeProcess
from tests.storage import (
    SqliteTemplate,
    backends,
    create_postgres_database,
    drop_postgres_database_later,
    finish_drops,
    run_database_name,
)


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish() -> Iterator[None]:
    """After the session's fixtures are gone, wait for the databases they drop."""
    yield
    finish_drops()


@pytest.fixture(scope="session")
def node_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    """A migrated SQLite database each SQLite node starts from: a copy costs
    milliseconds where the migrations cost about a second per node."""
    return SqliteTemplate(tmp_path_factory.mktemp("node-template"))


@pytest.fixture(params=backends())
def make_node(
    request: pytest.FixtureRequest, tmp_path: Path, node_template: SqliteTemplate
) -> Iterator[MakeNode]:
    """A factory of started nodes; the first node uses the parametrised backend."""
    started: list[NodeProcess] = []
    databases: list[str] = []

    def make(name: str, serve_flags: tuple[str, ...] = (), wait: bool = True) -> NodeProcess:
        data = tmp_path / name
        data.mkdir()
        database = node_template.fresh(data)
        if request.param == "postgresql" and not started:
            db_name = run_database_name(f"fed_{name}")
            database = create_postgres_database(db_name)
            databases.append(db_name)
        node = NodeProcess(name=name, database=database, data_dir=data,
                           serve_flags=serve_flags)
        node.cli("migrate")  # the node's own setup (its URL, actor); no migration left
        node.launch()
        started.append(node)
        if wait:
            node.wait_started()
        return node

    yield make
    for node in started:
        node.stop()
    for db_name in databases:
        drop_postgres_database_later(db_name)
