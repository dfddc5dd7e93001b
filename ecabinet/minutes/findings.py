"""What a verification found, kept as English msgids with their values so that the report
can be read in Vietnamese or English, in a terminal or on a web page."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


class Msg(str):
    """A value that is itself an English msgid, translated with the sentence around it."""

    __slots__ = ()


@dataclass(frozen=True)
class Finding:
    ok: bool
    message: str
    params: dict[str, Any] = field(default_factory=dict)

    def text(self, gettext: Callable[..., str]) -> str:
        if not self.params:
            return gettext(self.message)
        params = {k: gettext(v) if isinstance(v, Msg) else v for k, v in self.params.items()}
        return gettext(self.message, **params)


def passed(message: str, **params: Any) -> Finding:
    return Finding(True, message, params)


def failed(message: str, **params: Any) -> Finding:
    return Finding(False, message, params)


@dataclass
class Section:
    title: str
    findings: list[Finding] = field(default_factory=list)

    def add(self, finding: Finding) -> None:
        self.findings.append(finding)

    @property
    def ok(self) -> bool:
        return all(f.ok for f in self.findings)


@dataclass
class Report:
    file_name: str
    file_sha256: str
    sections: list[Section] = field(default_factory=list)

    def section(self, title: str) -> Section:
        section = Section(title)
        self.sections.append(section)
        return section

    @property
    def problems(self) -> list[Finding]:
        return [f for s in self.sections for f in s.findings if not f.ok]

    @property
    def ok(self) -> bool:
        return bool(self.sections) and not self.problems
