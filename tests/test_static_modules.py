"""The front end is ES modules that import one another (docs/architecture.md, "Front end"):
every script a template loads is a module that exists, every import resolves, and no
module shares state through a window global. A module that fails to load shows in the
browser only as a network error, so these are checked here, on the files."""

from __future__ import annotations

import re

from ecabinet.web.templating import STATIC_DIR, TEMPLATES_DIR

JS = STATIC_DIR / "js"
SCRIPT_TAG = re.compile(r"<script\b([^>]*)>")
IMPORT = re.compile(r'^\s*(?:import|export)\b[^"\']*?(?:from\s+)?["\'](\.{1,2}/[^"\']+)["\']', re.M)


def _tags() -> list[tuple[str, str]]:
    return [
        (template.name, attributes)
        for template in sorted(TEMPLATES_DIR.glob("*.html"))
        for attributes in SCRIPT_TAG.findall(template.read_text(encoding="utf-8"))
    ]


def test_every_script_a_page_loads_is_an_existing_module() -> None:
    sources = []
    for template, attributes in _tags():
        if 'type="application/json"' in attributes:
            continue  # data for a module, never run
        assert 'type="module"' in attributes, f"{template}: a classic script: {attributes}"
        assert "defer" not in attributes.split(), f"{template}: modules are deferred anyway"
        source = re.search(r'src="/static/js/([\w.]+\.js)"', attributes)
        assert source, f"{template}: a script without a file in static/js: {attributes}"
        assert (JS / source.group(1)).is_file(), f"{template}: {source.group(1)} is missing"
        sources.append(source.group(1))
    assert "session.js" in sources and "passkeys.js" in sources


def test_every_import_resolves_and_no_module_uses_a_window_global() -> None:
    modules = sorted(JS.glob("*.js"))
    assert modules
    for module in modules:
        text = module.read_text(encoding="utf-8")
        for target in IMPORT.findall(text):
            assert (module.parent / target).resolve().is_file(), f"{module.name}: {target}"
        assert not re.search(r"window\.ecabinet", text), f"{module.name} uses a global"
        assert '"use strict"' not in text, f"{module.name}: a module is strict already"


def test_the_service_worker_precaches_files_that_exist() -> None:
    worker = (STATIC_DIR / "sw.js").read_text(encoding="utf-8")
    listed = re.search(r"STATIC_FILES = \[(.*?)\];", worker, re.S)
    assert listed
    for path in re.findall(r'"/static/([^"]+)"', listed.group(1)):
        assert (STATIC_DIR / path).is_file(), path
