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
ERROR_NAMES = {
    name for name, value in vars(errors).items()
    if inspect.isclass(value) and issubclass(value, errors.EcabinetError)
} | {"InternalError"}
EXTRA_GETTEXT_NAMES = {"gettext", "_", "N_"}


def template_messages() -> Iterator[str]:
    method_map = [("**.html", "jinja2")]
    for _file, _line, message, _comments, _context in extract_from_dir(
        ROOT / "templates", method_map, keywords={"_": None}
    ):
        if isinstance(message, str):
            yield message


def code_messages() -> Iterator[str]:
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(), filename=str(path))
        for node in ast.walk(tree):
            if isinstance(node, ast.Call) and node.args:
                name = _called_name(node.func)
                first = node.args[0]
                if (name in ERROR_NAMES or name in EXTRA_GETTEXT_NAMES) and isinstance(
                    first, ast.Constant
                ) and isinstance(first.value, str):
                    yield first.value


def error_titles() -> Iterator[str]:
    for name in sorted(ERROR_NAMES - {"InternalError"}):
        yield getattr(errors, name).title
    yield "Something went wrong"


def _called_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def all_messages() -> list[str]:
    return sorted(set(template_messages()) | set(code_messages()) | set(error_titles()))


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
    new = Catalog(locale=locale, project="e-Cabinet", charset="utf-8")
    for msgid in wanted:
        existing = old.get(msgid)
        new.add(msgid, existing.string if existing is not None else "")
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
