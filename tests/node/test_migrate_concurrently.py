"""Several processes starting at once on a new database all come up (issue 7, 1.11).

Two web processes started together on a new PostgreSQL database crashed with a unique
violation while both created the schema. Migrations now run under a lock (a PostgreSQL
advisory lock, a file lock beside a SQLite database), and the node actor made at start
tolerates a twin made by another process.
"""

from __future__ import annotations

import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import text

from node.db import head_revision, make_engine
from tests.node.fresh_database import fresh_database  # noqa: F401  (fixture)

PROCESSES = 4
# Each process loads everything first, then waits for the others at a file barrier, so
# all of them migrate at the same moment rather than one after another.
DRIVER = """
import sys, time
from pathlib import Path
from node.cli import main
import node.app, node.models, alembic.command  # the slow imports, before the barrier
barrier, me, database, data = Path(sys.argv[1]), sys.argv[2], sys.argv[3], sys.argv[4]
(barrier / f"ready-{me}").touch()
while not (barrier / "go").exists():
    time.sleep(0.005)
raise SystemExit(main(["migrate", "--url", "https://philly.example", "--database", database,
                       "--data", data]))
"""


def test_processes_migrating_a_new_database_at_once_all_succeed(
    fresh_database: str, tmp_path: Path,  # noqa: F811
) -> None:
    barrier = tmp_path / "barrier"
    barrier.mkdir()
    processes = [
        subprocess.Popen([sys.executable, "-c", DRIVER, str(barrier), str(n), fresh_database,
                          str(tmp_path / f"data{n}")],
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        for n in range(PROCESSES)
    ]
    try:
        while len(list(barrier.glob("ready-*"))) < PROCESSES:
            assert all(p.poll() is None for p in processes), "a process died before the start"
            time.sleep(0.01)
        (barrier / "go").touch()
        results = [p.communicate(timeout=120) for p in processes]
    finally:
        for p in processes:
            p.kill()
    for p, (out, err) in zip(processes, results, strict=True):
        assert p.returncode == 0, f"{out}\n{err}"
    created = [out for out, _ in results if "created the database" in out]
    assert len(created) == 1, [out for out, _ in results]
    engine = make_engine(fresh_database)
    try:
        with engine.connect() as conn:
            assert conn.execute(text("SELECT version_num FROM alembic_version")
                                ).scalar_one() == head_revision()
            assert conn.execute(text("SELECT count(*) FROM local_actor WHERE kind = 'node'")
                                ).scalar_one() == 1
    finally:
        engine.dispose()
