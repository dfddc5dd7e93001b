"""Collects every user-visible English string and updates the Vietnamese catalog.

Run ``python -m ecabinet.i18n_extract`` after changing text; then translate the new
empty entries in ``ecabinet/locale/vi/LC_MESSAGES/messages.po``. A test fails while any
string lacks its Vietnamese translation.

Strings come from ``_()`` calls in templates and code, from the messages of raised
errors (``raise NotFound("...")``), and from the error classes' titles.
"""

from __future__ import annotations

import ast
import inspect
import sys
from collections.abc import Iterator
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po, write_po

from . import errors
from .i18n import LOCALE_DIR

PACKAGE = Path(__file__).parent
ROOT = PACKAGE.parent
BASE_ERROR_NAMES = {
    name
    for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, errors.EcabinetError)
}
EXTRA_GETTEXT_NAMES = {"gettext", "_", "N_"}


def _trees() -> list[ast.Module]:
    paths = sorted(PACKAGE.rglob("*.py"))
    return [ast.parse(path.read_text(), filename=str(path)) for path in paths]


def _error_classes(trees: list[ast.Module]) -> dict[str, ast.ClassDef]:
    """Every class in the package that descends from an error of ``errors``."""
    classes = {
        node.name: node
        for tree in trees
        for node in ast.walk(tree)
        if isinstance(node, ast.ClassDef)
    }
    names = set(BASE_ERROR_NAMES)
    grew = True
    while grew:
        grew = False
        for name, node in classes.items():
            if name not in names and any(_called_name(b) in names for b in node.bases):
                names.add(name)
                grew = True
    return {name: classes[name] for name in names if name in classes}


def template_messages() -> Iterator[str]:
    method_map = [("**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "templates", method_map, keywords={"_": None}
    ):
        if isinstance(message, str):
            yield message


def code_messages() -> Iterator[str]:
    trees = _trees()
    wanted = set(_error_classes(trees)) | EXTRA_GETTEXT_NAMES
    for tree in trees:
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                first = node.args[0]
                if (
                    _called_name(node.func) in wanted
                    and isinstance(first, ast.Constant)
                    and isinstance(first.value, str)
                ):
                    yield first.value


def declared_messages() -> Iterator[str]:
    """Message tables kept as data (e.g. outcomes.SENTENCES)."""
    from .outcomes import SENTENCES

    yield from SENTENCES.values()


def error_titles() -> Iterator[str]:
    for node in _error_classes(_trees()).values():
        for statement in node.body:
            if (
                isinstance(statement, ast.Assign | ast.AnnAssign)
                and _assigned_name(statement) == "title"
                and isinstance(statement.value, ast.Constant)
                and isinstance(statement.value.value, str)
            ):
                yield statement.value.value


def _assigned_name(statement: ast.Assign | ast.AnnAssign) -> str:
    target = statement.targets[0] if isinstance(statement, ast.Assign) else statement.target
    return target.id if isinstance(target, ast.Name) else ""


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def all_messages() -> list[str]:
    return sorted(
        set(template_messages())
        | set(code_messages())
        | set(error_titles())
        | set(declared_messages())
    )


def po_path(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def load_catalog(locale: str) -> Catalog:
    path = po_path(locale)
    if not path.exists():
        return Catalog(locale=locale)
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def update(locale: str = "vi") -> list[str]:
    """Add missing msgids to the catalog, drop unused ones; return those untranslated."""
    old = load_catalog(locale)
    wanted = all_messages()
    # The old header's date is kept: a date rewritten on every run made the catalogue
    # conflict at almost every merge of two branches that both added strings.
    new = Catalog(
        locale=locale, project="e-Cabinet", charset="utf-8", creation_date=old.creation_date
    )
    for msgid in wanted:
        existing = old.get(msgid)
        # Translator comments (the glossary notes, docs/glossary.md) survive re-extraction.
        new.add(
            msgid,
            existing.string if existing is not None else "",
            user_comments=list(existing.user_comments) if existing is not None else [],
        )
    path = po_path(locale)
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("wb") as handle:
        write_po(handle, new, width=0, omit_header=False, sort_output=True)
    return [m for m in wanted if not (new.get(m) and new.get(m).string)]  # type: ignore[union-attr]


def main() -> int:
    missing = update("vi")
    for msgid in missing:
        print(f"untranslated: {msgid}")
    return 1 if missing else 0


if __name__ == "__main__":
    sys.exit(main())
