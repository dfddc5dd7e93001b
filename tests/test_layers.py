"""The layers hold: actions/ imports no web; minutes/ and pdf/ import no actions (they
read plain records); realtime/ imports no web (the /ws view lives in web/). Found by
walking every import statement of the package, lazy ones included."""

from __future__ import annotations

import ast
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "ecabinet"
FORBIDDEN = {
    "actions": {"web"},
    "minutes": {"actions", "web"},
    "pdf": {"actions", "web"},
    "realtime": {"web"},
}


def imported(path: Path) -> set[str]:
    """The ecabinet modules a file imports, as dotted names under the package."""
    where = path.relative_to(PACKAGE).parts[:-1]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found |= {
                a.name.removeprefix("ecabinet.")
                for a in node.names
                if a.name.startswith("ecabinet.")
            }
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = ".".join(
                    [*where[: len(where) - node.level + 1], *([node.module] if node.module else [])]
                )
            elif node.module and node.module.startswith("ecabinet."):
                base = node.module.removeprefix("ecabinet.")
            else:
                continue
            # The names may be modules (from ..actions import ballots) or not: both count.
            found |= {base} - {""} | {f"{base}.{a.name}".lstrip(".") for a in node.names}
    return found


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
