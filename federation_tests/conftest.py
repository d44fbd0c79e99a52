"""Fixtures: nodes as real processes, each on SQLite or (when configured) PostgreSQL."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from federation_tests.nodes import MakeNode, NodeProcess
from tests.storage import PostgresTemplate, SqliteTemplate, backends, finish_drops


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


@pytest.fixture(scope="session")
def node_postgres() -> Iterator[PostgresTemplate]:
    """The database of each test's PostgreSQL node (one per xdist worker), migrated
    once and put back as just migrated for each test: migrating a new database took
    about 8 s a test, and dropping it as long again."""
    database = PostgresTemplate("fed")
    yield database
    database.close()


@pytest.fixture(params=backends())
def make_node(
    request: pytest.FixtureRequest, tmp_path: Path, node_template: SqliteTemplate
) -> Iterator[MakeNode]:
    """A factory of started nodes; the first node uses the parametrised backend."""
    started: list[NodeProcess] = []

    def make(name: str, serve_flags: tuple[str, ...] = (), wait: bool = True) -> NodeProcess:
        data = tmp_path / name
        data.mkdir()
        database = node_template.fresh(data)
        if request.param == "postgresql" and not started:
            database = request.getfixturevalue("node_postgres").fresh()
        node = NodeProcess(name=name, database=database, data_dir=data, serve_flags=serve_flags)
        node.cli("migrate")  # the node's own setup (its URL, actor); no migration left
        node.launch()
        started.append(node)
        if wait:
            node.wait_started()
        return node

    yield make
    for node in started:
        node.stop()
