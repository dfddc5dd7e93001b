"""requirements.lock, which CI installs with --require-hashes, still satisfies pyproject.toml:
every dependency and test dependency is pinned there at a version the project accepts,
each pin with its hashes. When this fails, refresh the lock (CONTRIBUTING.md)."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
PIN = re.compile(
    r"^([A-Za-z0-9][A-Za-z0-9._-]*)==(\S+)((?:\s*\\\n\s+--hash=sha256:[0-9a-f]{64})*)", re.M
)


def _pins(lock: str = "requirements.lock") -> dict[str, tuple[str, int]]:
    """Each locked package: its version and how many hashes it carries."""
    text = (ROOT / lock).read_text()
    return {
        canonicalize_name(name): (version, hashes.count("--hash="))
        for name, version, hashes in PIN.findall(text)
    }


def _wanted() -> list[Requirement]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    return [
        Requirement(r)
        for r in [*project["dependencies"], *project["optional-dependencies"]["test"]]
    ]


def test_every_dependency_is_locked_at_an_accepted_version() -> None:
    pins = _pins()
    problems = []
    for requirement in _wanted():
        name = canonicalize_name(requirement.name)
        if name not in pins:
            problems.append(f"{requirement}: not in requirements.lock")
        elif not requirement.specifier.contains(pins[name][0], prereleases=True):
            problems.append(f"{requirement}: locked at {pins[name][0]}")
    assert not problems, f"refresh requirements.lock (CONTRIBUTING.md): {problems}"


def test_every_pin_carries_hashes() -> None:
    pins = _pins()
    assert len(pins) >= len(_wanted())
    assert [name for name, (_, hashes) in pins.items() if hashes == 0] == []


def test_the_build_tools_are_pinned_with_hashes_at_a_version_the_build_accepts() -> None:
    pins = _pins("requirements-build.lock")
    assert set(pins) == {"pip", "setuptools"}
    assert all(hashes > 0 for _, hashes in pins.values()), pins
    build = tomllib.loads((ROOT / "pyproject.toml").read_text())["build-system"]
    [backend] = [Requirement(r) for r in build["requires"]]
    assert backend.name == "setuptools"
    assert backend.specifier.contains(pins["setuptools"][0]), (backend, pins["setuptools"])
