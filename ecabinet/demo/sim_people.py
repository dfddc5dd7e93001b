"""The simulated people of ``ecabinet demo --simulate``: each a browser session (an httpx
client with its own cookies) and a software passkey.

CLIENT CODE ONLY, like ecabinet.softauthn: the server never imports it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import httpx

from ..softauthn import SoftAuthenticator


class SimulationError(RuntimeError):
    """The server refused a step of the script; the message says which and why."""


@dataclass
class Person:
    name: str
    role: str
    token: str
    device: SoftAuthenticator
    http: httpx.AsyncClient

    async def call(
        self,
        method: str,
        url: str,
        body: dict[str, Any] | None = None,
        *,
        ok: tuple[int, ...] = (200, 201, 204),
    ) -> Any:
        response = await self.http.request(
            method, url, json=body if body is not None else ({} if method != "GET" else None)
        )
        if response.status_code not in ok:
            detail = (
                response.json().get("detail")
                if "json" in response.headers.get("content-type", "")
                else response.text[:200]
            )
            raise SimulationError(
                f"{self.name}: {method} {url} -> {response.status_code}: {detail}"
            )
        if "json" in response.headers.get("content-type", ""):
            return response.json()
        return response.content

    async def post(self, url: str, body: dict[str, Any] | None = None) -> Any:
        return await self.call("POST", url, body)

    async def get(self, url: str) -> Any:
        return await self.call("GET", url)

    async def enroll(self) -> None:
        options = await self.post(f"/api/enrollments/{self.token}/options")
        credential = self.device.register(options)
        await self.post(
            f"/api/enrollments/{self.token}",
            {"credential": credential, "deviceName": "Máy tính bảng (mô phỏng)"},
        )

    async def ceremony(self, options_url: str, url: str, body: dict[str, Any] | None = None) -> Any:
        """Ask for request options, answer them with the passkey, send the answer."""
        options = await self.post(options_url, body or {})
        request = options.get("publicKey", options)  # some routes wrap the options
        return await self.post(url, {"credential": self.device.assert_(request)})

    async def fresh(self) -> None:
        await self.ceremony("/api/session/fresh/options", "/api/session/fresh")

    async def vote(self, poll: int, question: int, choice: str) -> str:
        issued = await self.post(
            f"/api/polls/{poll}/ballots/options", {"question": question, "choice": choice}
        )
        cast = await self.post(
            f"/api/polls/{poll}/ballots",
            {"payload": issued["payload"], "credential": self.device.assert_(issued["publicKey"])},
        )
        return str(cast["receipt"])

    @property
    def cookie_header(self) -> str:
        return "; ".join(f"{name}={value}" for name, value in self.http.cookies.items())


def person(name: str, role: str, token: str, *, base_url: str, origin: str, rp_id: str) -> Person:
    return Person(
        name,
        role,
        token,
        SoftAuthenticator(origin=origin, rp_id=rp_id),
        httpx.AsyncClient(base_url=base_url, timeout=60),
    )
