"""No test module imports another: shared helpers and fixtures live in support modules.

A test module that imports one from another test module ties the two together (running
one collects the other's tests too, and moving a test breaks its neighbours), so the
helpers go to ``tests/node/*_support.py`` and the like. Every import counts: ``import
a.test_b``, ``from a.test_b import c``, ``from a import test_b`` and the relative forms.
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]
TREES = ("tests", "federation_tests")


def is_test_module(name: str) -> bool:
    return name.rsplit(".", 1)[-1].startswith("test_")


def imported_test_modules(source: str) -> set[str]:
    """The ``test_*`` modules ``source`` imports, as written (relative ones keep their dots)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names
                      if any(is_test_module(part) for part in alias.name.split("."))}
        elif isinstance(node, ast.ImportFrom):
            module = "." * node.level + (node.module or "")
            if any(is_test_module(part) for part in module.split(".") if part):
                found.add(module)
            prefix = module if module.endswith(".") else module + "."
            found |= {prefix + alias.name for alias in node.names if is_test_module(alias.name)}
    return found


def all_test_files() -> list[Path]:
    return sorted(path for tree in TREES for path in (ROOT / tree).rglob("test_*.py"))


def offenders() -> dict[str, set[str]]:
    return {str(path.relative_to(ROOT)): imported
            for path in all_test_files()
            if (imported := imported_test_modules(path.read_text(encoding="utf-8")))}


def test_no_test_module_imports_another_test_module() -> None:
    assert all_test_files(), "no test modules found: the roots moved?"
    found = offenders()
    assert not found, "test modules importing other test modules (move the shared parts " \
        "to a *_support.py module): " + "; ".join(
            f"{path} imports {', '.join(sorted(names))}" for path, names in sorted(found.items()))


def test_the_rule_catches_each_form_of_import() -> None:
    assert imported_test_modules("from tests.node.test_feed_service import FEED") == {
        "tests.node.test_feed_service"}
    assert imported_test_modules("import tests.unit.test_json_budget") == {
        "tests.unit.test_json_budget"}
    assert imported_test_modules("from tests.node import test_hub_pages, harness") == {
        "tests.node.test_hub_pages"}
    assert imported_test_modules("from .test_remote_events import send") == {
        ".test_remote_events"}
    assert imported_test_modules("from . import test_remote_events") == {".test_remote_events"}
    assert imported_test_modules("def f():\n    from tests.node.test_x import y\n") == {
        "tests.node.test_x"}
    assert not imported_test_modules(
        "from tests.node.hub_support import rally\nimport pytest\nfrom tests import conftest")
