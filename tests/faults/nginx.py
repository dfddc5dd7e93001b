"""nginx from the distribution in front of the test's server processes, configured as
deploy/nginx.conf is (its upstreams and locations, read from that file), on a spare
loopback port, without TLS (the certificates are the only part left out)."""

from __future__ import annotations

import re
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from ..support.processes import PROJECT, Process, free_port

BINARY = shutil.which("nginx") or "/usr/sbin/nginx"
DEPLOYED = PROJECT / "deploy" / "nginx.conf"


def site(ports: list[int], listen: int) -> str:
    """deploy/nginx.conf for these server ports: each upstream's example servers
    (127.0.0.1:8001...) replaced by ours, the port-80 redirect and TLS taken out."""
    text = DEPLOYED.read_text()
    text = re.sub(r"server \{\s*listen 80;.*?\n\}\n", "", text, count=1, flags=re.S)

    def servers(match: re.Match[str]) -> str:
        options = match.group(2)
        return "".join(f"{match.group(1)}server 127.0.0.1:{port}{options};\n" for port in ports)

    text = re.sub(
        r"( +)server 127\.0\.0\.1:8001([^;]*);\n(?: +server 127\.0\.0\.1:800\d[^;]*;\n)*",
        servers,
        text,
    )
    kept = []
    for line in text.splitlines():
        bare = line.strip()
        if bare.startswith(("ssl_", "http2 ", "listen [::]")):
            continue
        if bare.startswith("listen 443"):
            line = f"    listen 127.0.0.1:{listen};"
        kept.append(line)
    return "\n".join(kept)


@contextmanager
def nginx_in_front(processes: list[Process]) -> Iterator[str]:
    """Yields nginx's URL."""
    assert Path(BINARY).exists(), "install nginx (Debian: apt-get install nginx-light)"
    root = Path(tempfile.mkdtemp(prefix="ecab-nginx-"))
    port = free_port()
    (root / "nginx.conf").write_text(f"""
worker_processes 1;
pid {root}/nginx.pid;
error_log {root}/error.log warn;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {root}/body;
    proxy_temp_path {root}/proxy;
    fastcgi_temp_path {root}/fastcgi;
    uwsgi_temp_path {root}/uwsgi;
    scgi_temp_path {root}/scgi;
{site([p.port for p in processes], port)}
}}
""")
    root.chmod(0o755)
    process = subprocess.Popen(
        [BINARY, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off; user root;"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_for(port, process, root / "error.log")
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
        shutil.rmtree(root, ignore_errors=True)


def _wait_for(port: int, process: subprocess.Popen[bytes], log: Path) -> None:
    import socket

    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        assert process.poll() is None, log.read_text() if log.exists() else "nginx exited"
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise AssertionError("nginx did not start")
