"""The password cost is a setting only code can lower: whatever the environment or
``node.json`` say, a node started from them hashes at the production cost (t=3, 64 MiB,
p=4), through the CLI and through the sign-in form alike (node/password_cost.py)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from argon2 import extract_parameters
from sqlalchemy import Engine, select
from starlette.testclient import TestClient

from node.accounts.models import Account
from node.password_cost import PRODUCTION
from node.settings import NODE_FILE, Settings
from tests.conftest import CHEAP_PASSWORDS, NOW
from tests.node.cli_support import PASSWORD, cli_flags, run_cli
from tests.node.web_support import MovableClock, add_organizer, login, web_app

_account = Account.__table__  # type: ignore[attr-defined]

#: Names an operator (or an attacker with a say in the unit file) might try.
WEAKENING_ENV = {
    f"IONODE_{group}_{what}": value
    for group in ("PASSWORD", "ARGON2", "HASH")
    for what, value in (("TIME_COST", "1"), ("MEMORY_COST", "1024"), ("PARALLELISM", "1"))
}
WEAKENING_ENV |= {
    "IONODE_PASSWORD_COST": "t=1,m=1024,p=1",
    "IONODE_ARGON2_COST": "1",
    "IONODE_TEST": "1",
    "IONODE_TESTING": "1",
    "IONODE_FAST_PASSWORDS": "1",
    "IONODE_INSECURE_PASSWORDS": "1",
}


def stored_cost(engine: Engine) -> tuple[int, int, int]:
    with engine.connect() as conn:
        made = extract_parameters(conn.execute(select(_account.c.password_hash)).scalar_one())
    return made.time_cost, made.memory_cost, made.parallelism


def test_settings_from_the_environment_or_node_json_keep_the_production_cost(
        tmp_path: Path) -> None:
    cheap = {"time_cost": 1, "memory_cost": 1024, "parallelism": 1}
    (tmp_path / NODE_FILE).write_text(json.dumps(
        {"url": "https://philly.example", "password_cost": cheap, **cheap}))
    settings = Settings.from_env({**WEAKENING_ENV, "IONODE_DATA": str(tmp_path)})
    assert settings.password_cost == PRODUCTION
    assert Settings(url="https://philly.example", database="sqlite://",
                    secret_key="k").password_cost == PRODUCTION
    # Only code building Settings chooses another cost (the test fixtures do).
    assert Settings.from_env({}, data_dir=tmp_path,
                             password_cost=CHEAP_PASSWORDS).password_cost == CHEAP_PASSWORDS


def test_ionode_user_create_hashes_at_the_production_cost(
        database_url: str, tmp_path: Path, engine: Engine,
        monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in WEAKENING_ENV.items():
        monkeypatch.setenv(name, value)
    assert run_cli(["user", "create", "nate", "--password-stdin"],
                   cli_flags(database_url, tmp_path), monkeypatch, PASSWORD) == 0
    assert stored_cost(engine) == (3, 64 * 1024, 4)


def test_a_node_built_from_the_environment_signs_in_at_the_production_cost(
        database_url: str, tmp_path: Path, engine: Engine) -> None:
    # An account hashed cheaply (as by a test, or an older release) signs in to a node
    # whose settings came from its environment: the hash is replaced at production cost.
    settings = Settings.from_env({**WEAKENING_ENV, "IONODE_URL": "https://philly.example",
                                  "IONODE_DATABASE": database_url,
                                  "IONODE_DATA": str(tmp_path),
                                  "IONODE_SECRET_KEY": "test-secret-key-not-for-production"})
    add_organizer(engine, "nate")
    assert stored_cost(engine) == (1, 1024, 1)
    app = web_app(settings, MovableClock(NOW))
    with TestClient(app, base_url=settings.url, follow_redirects=False) as client:
        assert app.state.node.settings.password_cost == PRODUCTION
        assert login(client).status_code == 303
    assert stored_cost(engine) == (3, 64 * 1024, 4)
