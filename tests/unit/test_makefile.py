"""``make run`` installs the runtime only and lets the node's settings decide its URL
(issue 7, 1.9 and 1.10); ``make test`` keeps the test extras. Read from ``make -n`` (what
make would run) in a copy of the Makefile, so nothing is installed."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def planned(target: str, tmp_path: Path, *variables: str) -> list[str]:
    for name in ("Makefile", "pyproject.toml"):
        shutil.copy(ROOT / name, tmp_path / name)
    result = subprocess.run(["make", "-n", target, *variables], cwd=tmp_path,
                            capture_output=True, text=True, check=True)
    return result.stdout.splitlines()


def installs(lines: list[str]) -> list[str]:
    return [line for line in lines if "pip install" in line and "--upgrade pip" not in line]


def test_run_installs_the_runtime_only(tmp_path: Path) -> None:
    lines = planned("run", tmp_path)
    assert installs(lines) == [".venv/bin/python -m pip install --quiet -e ."]
    assert not any(extra in line for line in lines for extra in ("[test]", "mypy", "ruff"))


def test_test_installs_the_test_extras_with_its_own_stamp(tmp_path: Path) -> None:
    test_lines = planned("test", tmp_path)
    assert installs(test_lines) == [".venv/bin/python -m pip install --quiet -e '.[test]'"]
    run_stamp = next(line for line in planned("run", tmp_path) if line.startswith("touch"))
    test_stamp = next(line for line in test_lines if line.startswith("touch"))
    assert run_stamp != test_stamp  # one install never stands in for the other


def test_run_leaves_the_url_to_the_settings(tmp_path: Path) -> None:
    # `IONODE_PORT=8401 make run` must not serve actor ids on 8000 (no --url 8000 forced).
    lines = planned("run", tmp_path, "IONODE_PORT=8401")
    commands = [line for line in lines if "/ionode " in line]
    assert commands == [".venv/bin/ionode migrate", ".venv/bin/ionode serve"]
