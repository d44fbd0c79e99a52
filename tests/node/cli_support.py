"""Running ``ionode`` commands in tests, as an operator types them: the flags every
command takes (the node's URL, database and data directory) and one call with what the
command reads on standard input (a password for ``--password-stdin``)."""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from node.cli import main

PASSWORD = "correct horse battery\n"


def cli_flags(database_url: str, data: Path, url: str = "https://philly.example"
              ) -> list[str]:
    return ["--url", url, "--database", database_url, "--data", str(data)]


def run_cli(args: list[str], flags: list[str], monkeypatch: pytest.MonkeyPatch,
            stdin: str = "") -> int:
    """``ionode ARGS FLAGS`` with ``stdin`` on standard input; its exit code."""
    monkeypatch.setattr("sys.stdin", io.StringIO(stdin))
    return main([*args, *flags])
