"""The start banner names the command as it can be typed (issue 7, 1.10)."""

from __future__ import annotations

import os
import stat
import sys
from pathlib import Path

from node.typed_command import typed_command


def venv(tmp_path: Path) -> Path:
    bin_dir = tmp_path / ".venv" / "bin"
    bin_dir.mkdir(parents=True)
    program = bin_dir / "ionode"
    program.write_text("#!/bin/sh\n")
    program.chmod(program.stat().st_mode | stat.S_IXUSR)
    (bin_dir / "activate").write_text("")
    return program


def test_a_venv_not_on_path_is_named_by_its_path_with_the_activate_hint(
    tmp_path: Path,
) -> None:
    program = venv(tmp_path)
    typed = typed_command("user create NAME", argv0=str(program), path="/usr/bin",
                          cwd=tmp_path)
    assert typed == (".venv/bin/ionode user create NAME (or `ionode user create NAME` after "
                     "`source .venv/bin/activate`)")


def test_an_activated_venv_is_just_ionode(tmp_path: Path) -> None:
    program = venv(tmp_path)
    path = os.pathsep.join([str(program.parent), "/usr/bin"])
    assert typed_command("status", argv0=str(program), path=path,
                         cwd=tmp_path) == "ionode status"


def test_another_ionode_on_path_is_not_taken_for_this_one(tmp_path: Path) -> None:
    program = venv(tmp_path)
    other = venv(tmp_path / "elsewhere")
    typed = typed_command("status", argv0=str(program), path=str(other.parent), cwd=tmp_path)
    assert typed.startswith(".venv/bin/ionode status")


def test_outside_the_current_directory_the_path_is_absolute(tmp_path: Path) -> None:
    program = venv(tmp_path / "opt")
    typed = typed_command("status", argv0=str(program), path="", cwd=tmp_path / "home")
    assert typed.startswith(f"{program} status")


def test_python_dash_m_node(tmp_path: Path) -> None:
    typed = typed_command("status", argv0="/src/node/__main__.py", path="", cwd=tmp_path)
    assert typed == f"{Path(sys.executable).absolute()} -m node status"
