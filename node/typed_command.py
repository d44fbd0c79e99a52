"""How the operator can type the ``ionode`` command that is running now.

The start banner says "create the first organizer with: ionode user create NAME"; after
``make run`` the venv is not activated and a bare ``ionode`` is not found. The banner
names the command as it can be typed: ``ionode`` when that name on ``PATH`` is this
very program, else its path (``.venv/bin/ionode``, relative to the current directory
when it is inside it), with the hint to activate the venv when there is one.
"""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path


def typed_command(subcommand: str, argv0: str | None = None, path: str | None = None,
                  cwd: Path | None = None) -> str:
    """``subcommand`` (``user create NAME``) behind the running command as it can be
    typed in this shell, with the venv hint when a bare ``ionode`` is not found."""
    program = Path(argv0 if argv0 is not None else sys.argv[0])
    if program.name != "ionode":  # `python -m node`
        return f"{_shown(Path(sys.executable), cwd)} -m node {subcommand}"
    found = shutil.which("ionode", path=path if path is not None else os.environ.get("PATH"))
    if found and program.exists() and Path(found).resolve() == program.resolve():
        return f"ionode {subcommand}"
    typed = f"{_shown(program, cwd)} {subcommand}"
    activate = program.parent / "activate"
    if activate.is_file():
        return (f"{typed} (or `ionode {subcommand}` after "
                f"`source {_shown(activate, cwd)}`)")
    return typed


def _shown(path: Path, cwd: Path | None) -> str:
    """``path`` relative to ``cwd`` when inside it (``.venv/bin/ionode``), else absolute."""
    absolute = path.absolute()
    try:
        return str(absolute.relative_to((cwd or Path.cwd()).absolute()))
    except ValueError:
        return str(absolute)
