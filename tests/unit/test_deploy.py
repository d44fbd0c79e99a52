"""The deploy/ folder: scripts, systemd units, proxy and container configs, backups.

The backup tests run the real deploy/backup.sh and deploy/restore.sh against a live
SQLite database (WAL mode, a committed row still in the -wal file, an open writer with
uncommitted data), with the sqlite3 CLI when this machine has it and always with the
Python fallback; and against PostgreSQL when IONODE_TEST_POSTGRES is configured.
"""

from __future__ import annotations

import configparser
import hashlib
import os
import re
import shlex
import shutil
import sqlite3
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from node.settings import Settings
from tests.storage import (
    backends,
    create_postgres_database,
    drop_postgres_database_later,
    run_database_name,
)

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
SCRIPTS = ("backup.sh", "restore.sh", "lib.sh")
SETTING_NAME = re.compile(r"\bIONODE_[A-Z0-9_]+\b")
# In Python, a setting is read by its name as a string literal (env.get("IONODE_URL")),
# which tells it apart from a constant that merely starts with IONODE_.
SETTING_READ = re.compile(r"[\"'](IONODE_[A-Z0-9_]+)[\"']")


# ---------------------------------------------------------------------------- helpers


def clean_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ionode or backup setting, plus ``extra``."""
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("IONODE_", "BACKUP_")) and key not in ("SQLITE3", "PYTHON")
    }
    # restore.sh refuses while this unit is active; never match a real one here.
    env["IONODE_SERVICE"] = "ionode-deploy-test-does-not-exist.service"
    env.update(extra)
    return env


def run_script(
    name: str, *args: str, env: dict[str, str], cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """Run deploy/<name> directly (shebang and executable bit, as systemd does)."""
    return subprocess.run(
        [str(DEPLOY / name), *args],
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def ok(result: subprocess.CompletedProcess[str]) -> subprocess.CompletedProcess[str]:
    assert result.returncode == 0, f"exit {result.returncode}\n{result.stdout}\n{result.stderr}"
    return result


def rows(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [row[0] for row in db.execute("SELECT note FROM minutes ORDER BY rowid")]
    finally:
        db.close()


def parse_env_file(path: Path) -> dict[str, str]:
    """KEY=VALUE lines, comments skipped: how systemd's EnvironmentFile= reads the file."""
    values: dict[str, str] = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if not line or line.startswith("#"):
            continue
        key, sep, value = line.partition("=")
        assert sep, f"not KEY=VALUE: {line!r}"
        values[key.strip()] = value.strip()
    return values


def unit(name: str) -> configparser.ConfigParser:
    parser = configparser.ConfigParser(strict=False, interpolation=None)
    parser.optionxform = str  # type: ignore[assignment,method-assign]  # keep key case
    parser.read_string((DEPLOY / "systemd" / name).read_text())
    return parser


def without_comments(text: str) -> str:
    return "\n".join(line.split("#", 1)[0] for line in text.splitlines())


def memory_bytes(value: str) -> int:
    number, suffix = re.fullmatch(r"(\d+)([KMG]?)", value).groups()  # type: ignore[union-attr]
    return int(number) * {"": 1, "K": 2**10, "M": 2**20, "G": 2**30}[suffix]


# ------------------------------------------------------------------- static checks


@pytest.mark.parametrize("name", SCRIPTS)
def test_scripts_are_valid_bash(name: str) -> None:
    path = DEPLOY / name
    result = subprocess.run(["bash", "-n", str(path)], capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    text = path.read_text()
    if name != "lib.sh":  # lib.sh is sourced by the other two
        assert text.startswith("#!/usr/bin/env bash\n")
        assert "set -euo pipefail" in text
        assert os.access(path, os.X_OK), f"{name} must be executable (systemd runs it)"


def test_service_unit_is_hardened_and_runs_ionode_serve() -> None:
    service = unit("ionode.service")["Service"]
    assert service["DynamicUser"] == "no"
    assert service["User"] == "ionode"
    assert service["Group"] == "ionode"
    assert service["ProtectSystem"] == "strict"
    assert service["ReadWritePaths"].split() == ["/var/lib/ionode"]
    for key in ("PrivateTmp", "NoNewPrivileges", "ProtectHome"):
        assert service[key] == "yes", key
    assert set(service["RestrictAddressFamilies"].split()) == {"AF_INET", "AF_INET6", "AF_UNIX"}
    assert 128 * 2**20 <= memory_bytes(service["MemoryMax"]) <= 2**30  # fits a 1 GB Pi
    assert service["Restart"] == "on-failure"
    assert service["EnvironmentFile"] == "/etc/ionode/ionode.env"
    assert service["WorkingDirectory"] == "/var/lib/ionode"
    pre, start = shlex.split(service["ExecStartPre"]), shlex.split(service["ExecStart"])
    assert Path(pre[0]).name == "ionode" and pre[1:] == ["migrate"]
    assert Path(start[0]).name == "ionode" and start[1] == "serve"
    assert pre[0] == start[0] == "/opt/ionode/venv/bin/ionode"
    assert unit("ionode.service")["Install"]["WantedBy"] == "multi-user.target"


def test_backup_units_run_backup_sh_daily() -> None:
    service = unit("ionode-backup.service")["Service"]
    assert service["Type"] == "oneshot"
    assert service["User"] == "ionode"
    assert service["EnvironmentFile"] == "/etc/ionode/ionode.env"
    command = shlex.split(service["ExecStart"])
    assert command[0] == "/opt/ionode/src/deploy/backup.sh"
    assert (DEPLOY / "backup.sh").is_file()
    assert service["ProtectSystem"] == "strict"
    assert {"/var/lib/ionode", "/var/backups/ionode"} <= set(service["ReadWritePaths"].split())
    timer = unit("ionode-backup.timer")
    assert re.fullmatch(r"daily|\*-\*-\* \d\d:\d\d(:\d\d)?", timer["Timer"]["OnCalendar"])
    assert timer["Timer"]["Persistent"] == "true"
    assert timer["Install"]["WantedBy"] == "timers.target"


def test_env_example_documents_every_setting_the_code_reads() -> None:
    read_by_code = {
        name
        for path in (ROOT / "node").rglob("*.py")
        for name in SETTING_READ.findall(path.read_text())
    }
    assert {"IONODE_URL", "IONODE_DATABASE", "IONODE_DATA", "IONODE_LOG_LEVEL"} <= read_by_code
    example = DEPLOY / "ionode.env.example"
    values = parse_env_file(example)
    comments = "\n".join(
        line for line in example.read_text().splitlines() if line.lstrip().startswith("#")
    )
    for name in sorted(read_by_code):
        assert name in values, f"{name} is read by node/ but missing from {example.name}"
        assert re.search(rf"#.*\b{name}\b", comments), f"{name} has no comment explaining it"
    # And no stale or misspelt names: each one is read by node/ or by the deploy scripts.
    scripts = "".join((DEPLOY / name).read_text() for name in SCRIPTS)
    known = read_by_code | set(SETTING_NAME.findall(scripts))
    assert {name for name in values if name.startswith("IONODE_")} <= known


def test_env_example_is_a_valid_production_configuration() -> None:
    values = parse_env_file(DEPLOY / "ionode.env.example")
    settings = Settings.from_env(values)
    assert settings.url.startswith("https://")
    assert not settings.is_loopback
    assert not settings.fetch_private_allowed
    assert settings.data_dir == Path("/var/lib/ionode")
    # The explicit database is exactly the default derived from IONODE_DATA.
    assert settings.database == f"sqlite:///{settings.data_dir / 'ionode.db'}"
    assert settings.secret_key == ""  # so the node keeps it in data_dir/secret_key
    assert (settings.listen_host, settings.listen_port) == ("127.0.0.1", 8000)


def test_scripts_read_the_env_file_like_systemd(tmp_path: Path) -> None:
    env_file = tmp_path / "ionode.env"
    env_file.write_text(
        "# comment\n"
        "IONODE_NAME=Philly General Assembly\n"
        'IONODE_URL="https://philly.example"\n'
        "BACKUP_KEEP = '7'  \n"
        "IONODE_DATA=/from/file\n"
        "OTHER=ignored\n"
    )
    script = 'source "$1"; load_env_file "$2"; env'
    result = subprocess.run(
        ["bash", "-c", script, "test", str(DEPLOY / "lib.sh"), str(env_file)],
        env=clean_env(IONODE_DATA="/from/environment"),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    env = dict(line.split("=", 1) for line in result.stdout.splitlines() if "=" in line)
    assert env["IONODE_NAME"] == "Philly General Assembly"
    assert env["IONODE_URL"] == "https://philly.example"
    assert env["BACKUP_KEEP"] == "7"
    assert env["IONODE_DATA"] == "/from/environment"  # the environment wins
    assert "OTHER" not in env


def test_nginx_config_caps_bodies_and_passes_host() -> None:
    conf = without_comments((DEPLOY / "nginx" / "ionode.conf").read_text())
    directives = {" ".join(line.split()) for line in conf.splitlines() if line.strip()}
    for expected in (
        "client_max_body_size 1m;",
        "proxy_set_header Host $host;",
        "proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;",
        "proxy_set_header X-Forwarded-Proto $scheme;",
        "proxy_pass http://127.0.0.1:8000;",
        "proxy_request_buffering off;",
        "listen 443 ssl http2;",
        "return 301 https://$host$request_uri;",
    ):
        assert expected in directives, expected
    assert conf.count("{") == conf.count("}")


def test_caddyfile_caps_bodies_and_keeps_host() -> None:
    conf = without_comments((DEPLOY / "caddy" / "Caddyfile").read_text())
    assert re.search(r"request_body\s*\{\s*max_size\s+1MB\s*\}", conf)
    assert re.search(r"^\s*reverse_proxy\s+127\.0\.0\.1:8000\s*$", conf, re.MULTILINE)
    assert "header_up" not in conf  # Caddy passes Host through unless told otherwise
    assert "Strict-Transport-Security" in conf
    assert conf.count("{") == conf.count("}")


def test_compose_and_containerfile() -> None:
    compose = (DEPLOY / "compose.yaml").read_text()
    for expected in (
        "image: docker.io/library/postgres:16",
        "pg_isready -U ionode -d ionode",
        "condition: service_healthy",
        "context: ..",
        "dockerfile: deploy/Containerfile",
        "IONODE_DATABASE: postgresql://ionode:${POSTGRES_PASSWORD}@db:5432/ionode",
        "IONODE_URL: ${IONODE_URL:?",
        '"127.0.0.1:8000:8000"',
        "pgdata:/var/lib/postgresql/data",
        "ionode-data:/var/lib/ionode",
    ):
        assert expected in compose, expected
    assert "\t" not in compose  # YAML forbids tabs for indentation
    try:
        import yaml  # not a dependency: used only when something else installed it
    except ImportError:
        pass
    else:
        services = yaml.safe_load(compose)["services"]
        assert set(services) == {"db", "ionode", "worker"}
        assert services["db"]["healthcheck"]["test"][0] == "CMD-SHELL"
        assert services["ionode"]["environment"]["IONODE_HOST"] == "0.0.0.0"
    containerfile = (DEPLOY / "Containerfile").read_text()
    assert re.findall(r"^FROM (\S+)", containerfile, re.MULTILINE) == ["python:3.11-slim"]
    assert re.search(r"^USER ionode", containerfile, re.MULTILINE)
    assert 'CMD ["ionode", "serve", "--host", "0.0.0.0"]' in containerfile
    for source in re.findall(r"^COPY (\S+)", containerfile, re.MULTILINE):
        assert (ROOT / source).exists(), f"Containerfile copies missing {source}"
    assert "pip install" in containerfile


# ------------------------------------------------------------------- backup, SQLite

TOOLS = ["python"] + (["cli"] if shutil.which("sqlite3") else [])
KEEP = 3


@pytest.mark.parametrize("tool", TOOLS)
def test_sqlite_backup_retention_and_restore(tool: str, tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db_path = data / "ionode.db"
    secret = "secret-key-of-the-philly-node"
    (data / "secret_key").write_text(secret)

    writer = sqlite3.connect(db_path, isolation_level=None)
    assert writer.execute("PRAGMA journal_mode=WAL").fetchone()[0] == "wal"
    writer.execute("PRAGMA wal_autocheckpoint=0")  # keep committed pages in the -wal file
    writer.execute("CREATE TABLE minutes (note TEXT)")
    writer.execute("INSERT INTO minutes VALUES ('committed')")
    assert Path(f"{db_path}-wal").stat().st_size > 0  # a plain cp of ionode.db misses this
    writer.execute("BEGIN IMMEDIATE")
    writer.execute("INSERT INTO minutes VALUES ('uncommitted')")  # held open during backups

    env_file = tmp_path / "ionode.env"
    env_file.write_text(
        "IONODE_URL=https://philly.example\n"
        f"IONODE_DATABASE=sqlite:///{db_path}\n"
        f"IONODE_DATA={data}\n"
        f"BACKUP_KEEP={KEEP}\n"
    )
    backups = tmp_path / "backups"
    extra = {"IONODE_ENV_FILE": str(env_file), "BACKUP_DIR": str(backups)}
    if tool == "python":
        extra |= {"SQLITE3": str(tmp_path / "no-such-sqlite3"), "PYTHON": sys.executable}
    env = clean_env(**extra)

    made = []
    for _ in range(KEEP + 2):
        result = ok(run_script("backup.sh", env=env))
        made.append(Path(result.stdout.splitlines()[-1]))
        expected_tool = "python sqlite3 module" if tool == "python" else "sqlite3 CLI"
        assert expected_tool in result.stderr
    writer.rollback()
    writer.close()

    assert len(set(made)) == KEEP + 2
    assert sorted(backups.iterdir()) == made[-KEEP:]  # newest kept, no partial left over
    newest = made[-1]
    assert rows(newest / "ionode.sqlite3") == ["committed"]
    assert (newest / "secret_key").read_text() == secret
    assert (newest / "ionode.env").read_text() == env_file.read_text()
    for path in newest.iterdir():
        assert stat.S_IMODE(path.stat().st_mode) & 0o077 == 0, f"{path.name} is readable by others"
    sums = dict(
        reversed(line.split(None, 1)) for line in (newest / "SHA256SUMS").read_text().splitlines()
    )
    assert set(sums) == {"ionode.sqlite3", "secret_key", "ionode.env"}
    assert sums["secret_key"] == hashlib.sha256(secret.encode()).hexdigest()

    # Restore into a new place, using the default database path under IONODE_DATA.
    target = tmp_path / "restored"
    tool_env = {key: extra[key] for key in ("SQLITE3", "PYTHON") if key in extra}
    restore_env = clean_env(
        IONODE_ENV_FILE=str(tmp_path / "absent.env"), IONODE_DATA=str(target), **tool_env
    )
    result = ok(run_script("restore.sh", str(newest), env=restore_env))
    assert "IONODE_URL=https://philly.example" in result.stderr  # warned: URL not set here
    assert rows(target / "ionode.db") == ["committed"]
    assert (target / "secret_key").read_text() == secret
    assert stat.S_IMODE((target / "secret_key").stat().st_mode) == 0o600

    # The node then writes and dies without a checkpoint: its change lives only in a valid
    # -wal file. A second restore refuses to overwrite; --force replaces the database and
    # deletes that -wal, which SQLite would otherwise replay onto the restored file.
    crash = (
        "import os, sqlite3, sys\n"
        "db = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "db.execute('PRAGMA journal_mode=WAL')\n"
        "db.execute('PRAGMA wal_autocheckpoint=0')\n"
        "db.execute(\"INSERT INTO minutes VALUES ('written before the crash')\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", crash, str(target / "ionode.db")], check=True)
    stale_wal = target / "ionode.db-wal"
    assert stale_wal.stat().st_size > 0
    before = hashlib.sha256((target / "ionode.db").read_bytes()).hexdigest()
    refused = run_script("restore.sh", str(newest), env=restore_env)
    assert refused.returncode != 0 and "--force" in refused.stderr
    assert hashlib.sha256((target / "ionode.db").read_bytes()).hexdigest() == before
    assert stale_wal.stat().st_size > 0
    ok(run_script("restore.sh", "--force", str(newest), env=restore_env))
    assert not stale_wal.exists()
    assert rows(target / "ionode.db") == ["committed"]


def test_restore_rejects_a_tampered_backup(tmp_path: Path) -> None:
    data = tmp_path / "data"
    data.mkdir()
    db = sqlite3.connect(data / "ionode.db")
    db.execute("CREATE TABLE minutes (note TEXT)")
    db.commit()
    db.close()
    (data / "secret_key").write_text("original")
    env = clean_env(
        IONODE_ENV_FILE=str(tmp_path / "absent.env"),
        IONODE_DATA=str(data),
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    backup = Path(ok(run_script("backup.sh", env=env)).stdout.splitlines()[-1])
    (backup / "secret_key").write_text("replaced by an attacker")
    target = tmp_path / "target"
    result = run_script(
        "restore.sh",
        str(backup),
        env=clean_env(IONODE_ENV_FILE=str(tmp_path / "absent.env"), IONODE_DATA=str(target)),
    )
    assert result.returncode != 0 and "SHA256SUMS" in result.stderr
    assert not (target / "ionode.db").exists()


def test_backup_refuses_a_missing_database_without_creating_it(tmp_path: Path) -> None:
    # No IONODE_DATABASE and a relative IONODE_DATA: ./data/ionode.db, as `ionode` does.
    env = clean_env(
        IONODE_ENV_FILE=str(tmp_path / "absent.env"),
        IONODE_DATA="data",
        BACKUP_DIR=str(tmp_path / "backups"),
    )
    result = run_script("backup.sh", env=env, cwd=tmp_path)
    assert result.returncode != 0
    assert "data/ionode.db does not exist" in result.stderr
    assert not (tmp_path / "data" / "ionode.db").exists()
    assert list((tmp_path / "backups").iterdir()) == []


# ------------------------------------------------------- backup, every backend


@pytest.mark.storage
@pytest.mark.parametrize("backend", backends())
def test_backup_restore_round_trip(backend: str, tmp_path: Path) -> None:
    """SQLite always; PostgreSQL (pg_dump/pg_restore) when IONODE_TEST_POSTGRES is set."""
    names = [run_database_name(f"deploy_{side}") for side in ("src", "dst")]
    if backend == "sqlite":
        source, target = (f"sqlite:///{tmp_path / side / 'ionode.db'}" for side in ("a", "b"))
        (tmp_path / "a").mkdir()
    else:
        source, target = (create_postgres_database(name) for name in names)
    try:
        from sqlalchemy import create_engine, text

        from node.db import normalise_database_url

        def query(url: str, *statements: str) -> list[str]:
            engine = create_engine(normalise_database_url(url))
            try:
                with engine.begin() as conn:
                    result = [conn.execute(text(sql)) for sql in statements][-1]
                    return [row[0] for row in result] if result.returns_rows else []
            finally:
                engine.dispose()

        query(
            source,
            "CREATE TABLE minutes (note TEXT)",
            "INSERT INTO minutes VALUES ('general assembly, 21 November')",
        )
        env = clean_env(
            IONODE_ENV_FILE=str(tmp_path / "absent.env"),
            IONODE_DATABASE=source,
            IONODE_DATA=str(tmp_path / "a"),
            BACKUP_DIR=str(tmp_path / "backups"),
        )
        backup = Path(ok(run_script("backup.sh", env=env)).stdout.splitlines()[-1])
        dump = "ionode.sqlite3" if backend == "sqlite" else "ionode.pgdump"
        assert (backup / dump).stat().st_size > 0

        restore_env = clean_env(
            IONODE_ENV_FILE=str(tmp_path / "absent.env"),
            IONODE_DATABASE=target,
            IONODE_DATA=str(tmp_path / "b"),
        )
        ok(run_script("restore.sh", str(backup), env=restore_env))
        assert query(target, "SELECT note FROM minutes") == ["general assembly, 21 November"]
        query(target, "INSERT INTO minutes VALUES ('later')")
        refused = run_script("restore.sh", str(backup), env=restore_env)
        assert refused.returncode != 0 and "--force" in refused.stderr
        ok(run_script("restore.sh", "--force", str(backup), env=restore_env))
        assert query(target, "SELECT note FROM minutes") == ["general assembly, 21 November"]
    finally:
        if backend == "postgresql":
            for name in names:
                drop_postgres_database_later(name)
