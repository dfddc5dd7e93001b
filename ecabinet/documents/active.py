"""Active content in a PDF: code that runs or programs that start when a reader opens it.

e-Cabinet refuses such a PDF at upload rather than serving a cleaned copy: a cleaned copy
would be a document nobody signed off, and a meeting document that runs code is a
mistake or an attack either way; printing it to a new PDF drops the active parts.
Navigation stays allowed: links and an "open at page 1" (/OpenAction to a destination).
"""

from __future__ import annotations

from pypdf import PdfReader
from pypdf.generic import ArrayObject, DictionaryObject, IndirectObject, NameObject, PdfObject

# Actions that run code, start programs, send data out or open embedded files. What was
# found is named by its PDF name, the same in every language.
DANGEROUS_ACTIONS = (
    "/JavaScript",
    "/Launch",
    "/ImportData",
    "/SubmitForm",
    "/GoToE",
    "/RichMediaExecute",
)
EXECUTABLE_EXTENSIONS = (
    ".exe",
    ".dll",
    ".bat",
    ".cmd",
    ".com",
    ".scr",
    ".msi",
    ".ps1",
    ".vbs",
    ".js",
    ".jar",
    ".sh",
    ".app",
    ".lnk",
    ".hta",
    ".pif",
)
# A PDF made of more objects than this is refused as too complex to inspect.
MAX_OBJECTS = 1_000_000


class TooComplex(Exception):
    pass


def active_content(reader: PdfReader) -> str | None:
    """The PDF name of the active content the PDF holds (/JavaScript, /Launch, /OpenAction
    /URI, /EmbeddedFile setup.exe...); None when it holds none."""
    walker = _Walker()
    walker.visit(reader.trailer.get("/Root"))
    return walker.found


# How a value was reached: plainly, as the /AA dictionary (its entries run by themselves),
# or as an action that runs by itself (/OpenAction, an /AA entry, or the /Next of one).
PLAIN, TRIGGERS, AUTOMATIC = 0, 1, 2


class _Walker:
    def __init__(self) -> None:
        self.seen: set[tuple[int, int, int]] = set()
        self.count = 0
        self.found: str | None = None

    def visit(self, root: PdfObject | None) -> None:
        # An explicit stack, not recursion: a page tree thousands deep must not overflow.
        stack: list[tuple[PdfObject | None, int]] = [(root, PLAIN)]
        while stack and self.found is None:
            item, mode = stack.pop()
            if isinstance(item, IndirectObject):
                key = (item.idnum, item.generation, mode)
                if key in self.seen:
                    continue
                self.seen.add(key)
                item = item.get_object()
            self.count += 1
            if self.count > MAX_OBJECTS:
                raise TooComplex
            if isinstance(item, DictionaryObject):
                self._check(item, mode)
                stack.extend(
                    (child, _mode_of(name, mode))
                    for name, child in item.items()
                    if name not in {"/Parent", "/P"}
                )  # back-links
            elif isinstance(item, ArrayObject):
                stack.extend((child, mode) for child in item)

    def _check(self, item: DictionaryObject, mode: int) -> None:
        action = item.get("/S")
        if "/JS" in item:
            self.found = "/JavaScript"
        elif isinstance(action, NameObject) and action in DANGEROUS_ACTIONS:
            self.found = str(action)
        elif mode == AUTOMATIC and isinstance(action, NameObject) and action != "/GoTo":
            self.found = f"/OpenAction {action}"
        elif item.get("/Type") == "/Filespec" and "/EF" in item:
            name = str(item.get("/UF") or item.get("/F") or "")
            if name.lower().endswith(EXECUTABLE_EXTENSIONS):
                self.found = f"/EmbeddedFile {name[:60]}"


def _mode_of(name: str, parent: int) -> int:
    if name == "/AA":
        return TRIGGERS
    if name == "/OpenAction" or parent == TRIGGERS or (parent == AUTOMATIC and name == "/Next"):
        return AUTOMATIC
    return PLAIN
