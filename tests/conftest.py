"""Shared fixtures: a database per backend, settings and a fixed clock."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck
from hypothesis import settings as hypothesis_settings
from sqlalchemy import Engine

import node.models  # noqa: F401  (every table registered before templates are built)
from node.activitypub.keys import ActorKeys
from node.clock import Clock, fixed_clock
from node.password_cost import PasswordCost
from node.settings import Settings
from tests.actor_keys import KeyPool
from tests.storage import PostgresTemplate, SqliteTemplate, backends, finish_drops, open_engine

NOW = datetime(2026, 11, 21, 12, 0, 0, tzinfo=UTC)

#: The in-process nodes' password cost: argon2id at one pass over 1 MiB (the production
#: t=3, 64 MiB, p=4 took 2.4 s a hash on the shared CI machine, a third of the node tier's
#: setup; bench/RESULTS.md). Only code building Settings can choose it; the tests of the
#: production cost (tests/unit/test_passwords.py, tests/node/test_password_cost.py and
#: the rehash test of tests/node/test_web_auth.py) name PRODUCTION themselves.
CHEAP_PASSWORDS = PasswordCost(time_cost=1, memory_cost=1024, parallelism=1)

# The suite runs two workers on a two-core machine shared with other runs: an example
# can take ten times its quiet-machine time there. Hypothesis' default 200 ms deadline
# and its "input generation is slow" check then fail tests whose every assertion holds
# (tests/unit/test_collections.py failed at 270 ms). They measure the machine, not the
# code: the profile drops them; a test that means to bound its time sets its own.
hypothesis_settings.register_profile(
    "shared-machine", deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
hypothesis_settings.load_profile("shared-machine")


@pytest.hookimpl(wrapper=True)
def pytest_sessionfinish() -> Iterator[None]:
    """After the session's fixtures are gone, wait for the databases they drop."""
    yield
    finish_drops()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> SqliteTemplate:
    return SqliteTemplate(tmp_path_factory.mktemp("sqlite-template"))


@pytest.fixture(scope="session")
def postgres_template() -> Iterator[PostgresTemplate]:
    template = PostgresTemplate()
    yield template
    template.close()


@pytest.fixture(params=backends())
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A database as just migrated (no hub, no account) on each configured backend."""
    if request.param == "sqlite":
        template: SqliteTemplate = request.getfixturevalue("sqlite_template")
        return template.fresh(tmp_path)
    pg: PostgresTemplate = request.getfixturevalue("postgres_template")
    return pg.fresh()


@pytest.fixture
def engine(database_url: str) -> Iterator[Engine]:
    yield from open_engine(database_url)


@pytest.fixture
def clock() -> Clock:
    return fixed_clock(NOW)


@pytest.fixture(scope="session")
def made_actor_keys() -> list[ActorKeys]:
    """The actor keys this worker process has made so far (tests/actor_keys.py)."""
    return []


@pytest.fixture
def actor_keys(made_actor_keys: list[ActorKeys]) -> KeyPool:
    """Keys for this test's actors, distinct within the test (``Settings.actor_keys``)."""
    return KeyPool(made_actor_keys)


@pytest.fixture
def settings(database_url: str, tmp_path: Path, actor_keys: KeyPool) -> Settings:
    return Settings(
        url="https://philly.example",
        database=database_url,
        secret_key="test-secret-key-not-for-production",
        data_dir=tmp_path,
        node_name="Philly GA",
        password_cost=CHEAP_PASSWORDS,
        actor_keys=actor_keys,
    )
