"""The layers hold: actions/ imports no web; minutes/ and pdf/ import no actions (they
read plain records); realtime/ imports no web (the /ws view lives in web/). And no
module imports a test module: what tests share lives in tests/support/. Found by walking
every import statement, lazy ones included."""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ecabinet"
FORBIDDEN = {
    "actions": {"web"},
    "minutes": {"actions", "web"},
    "pdf": {"actions", "web"},
    "realtime": {"web"},
}


def imports_of(path: Path) -> set[str]:
    """The modules a file of the project imports, as dotted names from the project's root
    (relative imports resolved)."""
    where = path.relative_to(ROOT).parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {a.name for a in node.names}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(
                    [*where[: len(where) - node.level + 1], *([node.module] if node.module else [])]
                )
            else:
                base = node.module or ""
            # The names may be modules (from ..actions import ballots) or not: both count.
            found |= {base} - {""} | {f"{base}.{a.name}".lstrip(".") for a in node.names}
    return found


def imported(path: Path) -> set[str]:
    """The ecabinet modules a file imports, as dotted names under the package."""
    return {
        name.removeprefix("ecabinet.") for name in imports_of(path) if name.startswith("ecabinet.")
    }


def test_the_imports_are_read_as_the_package_names_them() -> None:
    assert "web.templating" in imported(PACKAGE / "web" / "pages.py")
    assert "actions.ballots" in imported(PACKAGE / "web" / "api_ballots.py")


def test_no_layer_imports_what_it_must_not() -> None:
    leaks = sorted(
        f"{path.relative_to(PACKAGE)} imports {name}"
        for layer, banned in FORBIDDEN.items()
        for path in (PACKAGE / layer).rglob("*.py")
        for name in imported(path)
        if name.split(".")[0] in banned
    )
    assert leaks == []


def test_no_module_imports_a_test_module() -> None:
    test_modules = {
        ".".join(path.relative_to(ROOT).with_suffix("").parts)
        for path in (ROOT / "tests").rglob("test_*.py")
    }
    assert "tests.test_ballots_api" in test_modules
    assert "tests.support.polls.open_poll" in imports_of(ROOT / "tests" / "test_ballots_api.py")
    readers = [*(ROOT / "tests").rglob("*.py"), *(ROOT / "bench").rglob("*.py")]
    leaks = sorted(
        f"{path.relative_to(ROOT)} imports {name}"
        for path in readers
        for name in imports_of(path)
        if name in test_modules
    )
    assert leaks == []
