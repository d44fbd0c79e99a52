"""Generate the next migration from the models: ``python -m node.migrations.new "message"``.

Runs alembic autogenerate against a scratch SQLite database migrated to head, so the
new revision holds exactly the difference between the migrations and the models.
"""

from __future__ import annotations

import re
import sys
import tempfile
from pathlib import Path

from alembic import command

from node.db import MIGRATIONS, alembic_config, make_engine, migrate


def next_revision() -> str:
    numbers = [int(p.name[:4]) for p in (MIGRATIONS / "versions").glob("[0-9][0-9][0-9][0-9]_*.py")]
    return f"{max(numbers, default=0) + 1:04d}"


def main(message: str) -> Path:
    with tempfile.TemporaryDirectory() as scratch:
        engine = make_engine(f"sqlite:///{scratch}/scratch.db")
        migrate(engine)
        revision = next_revision()
        script = command.revision(
            alembic_config(engine), message=message, autogenerate=True, rev_id=revision
        )
        engine.dispose()
    assert script is not None and not isinstance(script, list)
    path = Path(script.path)
    text = path.read_text()
    path.write_text(re.sub(r"sqlmodel\.sql\.sqltypes\.AutoString\(", "sa.String(", text))
    return path


if __name__ == "__main__":
    if len(sys.argv) != 2:
        raise SystemExit('usage: python -m node.migrations.new "what changed"')
    print(main(sys.argv[1]))
