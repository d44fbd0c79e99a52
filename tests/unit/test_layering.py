"""The protocol layer never imports the domain packages (ARCHITECTURE.md section 7)."""

import ast
from pathlib import Path

import node

PACKAGE = Path(node.__file__).parent
FORBIDDEN = ("node.hubs", "node.newswire")


def imported_modules(path: Path) -> set[str]:
    names: set[str] = set()
    for item in ast.walk(ast.parse(path.read_text())):
        if isinstance(item, ast.Import):
            names.update(alias.name for alias in item.names)
        elif isinstance(item, ast.ImportFrom) and item.module:
            names.add(item.module)
    return names


def test_activitypub_does_not_import_domain_packages() -> None:
    offenders = {
        str(path.relative_to(PACKAGE)): sorted(m for m in imported_modules(path)
                                                if m.startswith(FORBIDDEN))
        for path in (PACKAGE / "activitypub").rglob("*.py")
    }
    assert {k: v for k, v in offenders.items() if v} == {}


def test_nothing_runs_at_import_time() -> None:
    # Module bodies hold definitions only: no engine, client or settings built on import.
    calls_at_top = {}
    for path in PACKAGE.rglob("*.py"):
        if "migrations" in path.parts or path.name == "__main__.py":
            continue
        for stmt in ast.parse(path.read_text()).body:
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                calls_at_top[str(path.relative_to(PACKAGE))] = ast.unparse(stmt)
    assert calls_at_top == {}
