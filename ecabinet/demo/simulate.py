"""``ecabinet demo --simulate``: the whole story, scripted, through the real HTTP and
websocket API of a real server, with a software passkey for every simulated person.

Written positions before the deadline, the triage, a written poll, check-in, the consent
block, two live votes (one open, one secret), the chair's conclusions, the minutes drafted,
approved with the chair's passkey and signed by the secretary and the chair. A person who
watches the room display in a browser sees the session happen.

CLIENT CODE ONLY (it drives the server like tablets do); the server never imports it.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import uvicorn
from sqlalchemy import text

from ..db import Database
from ..minutes.register_pdf import read_register
from ..minutes.verify import load_trust_roots, verify_pdf
from ..models import utcnow
from ..settings import Settings
from . import government as gov
from .seed import SeatLink
from .sim_people import Person, SimulationError, person

Say = Callable[..., None]  # prints each argument as a line
REMOTE = (7, 19)  # seats (0-based) that join remotely
AWAY = (12, 21)  # seats that do not check in
CONTESTED = {2: {4: "disagree", 9: "disagree"}, 3: {11: "discuss"}, 4: {3: "discuss", 8: "discuss"}}
OPEN_VOTE = ["for"] * 20 + ["against"] * 3 + ["abstain"] * 2
SECRET_VOTE = ["for"] * 13 + ["against"] * 10 + ["abstain"] * 2


def conclusion(due: date) -> str:
    """The chair's conclusion, with a deadline after the session (never one already past)."""
    return (
        "Giao cơ quan chủ trì tiếp thu tối đa ý kiến thành viên Chính phủ, hoàn thiện hồ "
        f"sơ, trình Thủ tướng Chính phủ trước ngày {due.day} tháng {due.month} năm "
        f"{due.year}."
    )


TASK = (
    "Hoàn thiện dự thảo Nghị định giảm thuế giá trị gia tăng theo ý kiến thành viên "
    "Chính phủ, trình Thủ tướng Chính phủ ký ban hành."
)
NOTES = (
    "Cơ quan chủ trì trình bày tờ trình và tiếp thu ý kiến thẩm tra. Các thành viên "
    "Chính phủ thảo luận về phạm vi, đối tượng áp dụng và nguồn lực thực hiện."
)


class Simulation:
    def __init__(
        self,
        settings: Settings,
        links: list[SeatLink],
        meeting: int,
        *,
        port: int,
        pace: float,
        say: Say,
    ) -> None:
        self.settings, self.port, self.pace, self.say = settings, port, pace, say
        base = f"http://127.0.0.1:{port}"
        people = [*gov.MEMBERS, *gov.SECRETARIAT, *gov.OBSERVERS]
        self.people = [
            person(
                p.full_name,
                p.role,
                link.enroll_url.rsplit("/", 1)[1],
                base_url=base,
                origin=settings.origin,
                rp_id=settings.rp_id,
            )
            for p, link in zip(people, links, strict=True)
        ]
        self.members = self.people[: len(gov.MEMBERS)]
        self.chair, self.secretary = self.members[0], self.people[len(gov.MEMBERS)]
        self.watcher_link = links[-1].enroll_url
        self.meeting = meeting
        self.body = 0
        self.items: list[dict[str, Any]] = []

    def due(self) -> datetime:
        """Deadlines fall a month after the session, which is held a week from now."""
        return (utcnow() + timedelta(days=37)).astimezone(ZoneInfo(self.settings.time_zone))

    async def pause(self, factor: float = 1.0) -> None:
        await asyncio.sleep(self.pace * factor)

    # --- the script, in order ---------------------------------------------------------

    async def enroll(self) -> None:
        for someone in self.people[:-1]:  # the observer's link is left for the watcher
            await someone.enroll()
        packet = await self.secretary.get(f"/api/meetings/{self.meeting}")
        self.body, self.items = int(packet["bodyId"]), list(packet["items"])
        self.say(
            f"1. {len(self.people) - 1} people enrolled a passkey each (27 members, "
            "the secretariat)."
        )

    async def positions(self) -> None:
        for index, item in enumerate(self.items):
            for seat, member in enumerate(self.members):
                stance = CONTESTED.get(index, {}).get(seat, "agree")
                if stance == "agree" and seat % 9 == 5:
                    stance = "agree_with_comments"
                text_ = (
                    ""
                    if stance == "agree"
                    else "Đề nghị làm rõ thêm tác động và nguồn lực thực hiện."
                )
                await member.call(
                    "PUT",
                    f"/api/items/{item['id']}/positions/me",
                    {"stance": stance, "text": text_},
                )
        triage = await self.secretary.post(f"/api/meetings/{self.meeting}/triage")
        self.contested = [int(i["id"]) for i in triage.get("contested", [])]
        consent = triage.get("consent", [])
        self.say(
            f"2. Written positions: 27 members x {len(self.items)} items. Triage: "
            f"{len(consent)} items in the consent block, {len(self.contested)} contested."
        )
        await self.pause()

    async def written_poll(self) -> None:
        created = await self.secretary.post(
            f"/api/bodies/{self.body}/polls",
            {
                "title": "Lấy ý kiến thành viên Chính phủ về chương trình tín dụng ưu đãi",
                "questions": [
                    "Đồng ý ban hành Nghị quyết về chương trình tín dụng ưu đãi cho "
                    "doanh nghiệp khởi nghiệp sáng tạo?"
                ],
            },
        )
        poll = int(created["id"])
        await self.chair.post(f"/api/polls/{poll}/send")
        question = int(created["questions"][0]["id"])
        state: dict[str, Any] = {}
        for seat, member in enumerate(self.members):
            await member.vote(poll, question, "against" if seat == 26 else "for")
            state = await self.secretary.get(f"/api/polls/{poll}")
            if state.get("state") == "closed":
                break
        self.say(
            f"3. Written poll #{poll}: {state.get('state')} after {seat + 1} answers "
            "(no remaining answer could change the result)."
        )
        await self.pause()

    async def check_in(self) -> None:
        for seat, member in enumerate(self.members):
            if seat in AWAY:
                continue
            mode = "remote" if seat in REMOTE else "room"
            await member.ceremony(
                f"/api/meetings/{self.meeting}/checkin/options",
                f"/api/meetings/{self.meeting}/checkin",
                {"mode": mode},
            )
            await self.pause(0.1)
        self.say(
            f"4. Check-in with passkeys: {27 - len(AWAY)} of 27 members present "
            f"({len(REMOTE)} remote)."
        )

    async def session(self) -> None:
        meeting = f"/api/meetings/{self.meeting}"
        # The demo session is dated a week ahead: the chair confirms opening it early.
        await self.chair.post(f"{meeting}/session/open", {"confirm_early": True})
        await self.chair.post(f"{meeting}/consent-block/adopt")
        self.say("5. The chair opened the session and adopted the consent block.")
        await self.pause()
        present = [m for seat, m in enumerate(self.members) if seat not in AWAY]
        votes = {0: (OPEN_VOTE, False), 1: (SECRET_VOTE, True)}
        for number, item in enumerate(self.contested):
            await self.chair.post(f"{meeting}/session/next", {"item": item})
            if number in votes:
                choices, secret = votes[number]
                await self.live_vote(item, present, choices, secret=secret)
            await self.chair.post(
                f"/api/items/{item}/conclusion", {"text": conclusion(self.due().date())}
            )
            if number == 0:
                await self.assign_task(item)
            await self.pause()
        await self.chair.post(f"{meeting}/session/close")
        self.say("7. The chair recorded the conclusions and closed the session.")

    async def assign_task(self, item: int) -> None:
        """The conclusion assigns the Ministry of Finance a task, which it then reports
        on until done (theo dõi nhiệm vụ)."""
        finance = next(
            p
            for p, who in zip(self.members, gov.MEMBERS, strict=True)
            if who.title_en == "Minister of Finance"
        )
        seat = (await finance.get("/api/me"))["bodies"][0]["seat"]
        due = self.due()
        task = await self.secretary.post(
            f"/api/items/{item}/tasks",
            {
                "agency": "Bộ Tài chính",
                "membership": seat,
                "text": TASK,
                "deadline": f"{due:%Y-%m-%dT17:00}",
            },
        )
        for state, note in (
            ("in_progress", "Đã lấy ý kiến các bộ, ngành."),
            ("done", "Đã trình Thủ tướng Chính phủ hồ sơ hoàn chỉnh."),
        ):
            await finance.post(f"/api/tasks/{task['id']}/updates", {"state": state, "note": note})
        self.say(
            f"6a. Task #{task['id']} assigned to Bộ Tài chính by the conclusion; "
            "reported in progress, then done."
        )

    async def live_vote(
        self, item: int, present: list[Person], choices: list[str], *, secret: bool
    ) -> None:
        title = next(i["title"] for i in self.items if int(i["id"]) == item)
        poll = await self.chair.post(
            f"/api/items/{item}/polls", {"question": f"Thông qua: {title}?", "secret": secret}
        )
        for member, choice in zip(present, choices, strict=True):
            await member.vote(int(poll["id"]), int(poll["question_id"]), choice)
            await self.pause(0.15)
        closed = await self.chair.post(f"/api/polls/{poll['id']}/close")
        kind = "secret" if secret else "open"
        self.say(f'6. Live vote ({kind} ballot) on "{title}": {closed["sentence"]}')

    async def minutes(self) -> tuple[Path, Path]:
        for item in self.contested:
            await self.secretary.call(
                "PUT", f"/api/items/{item}/record", {"discussionNotes": NOTES}
            )
        minutes = f"/api/meetings/{self.meeting}/minutes"
        await self.secretary.post(f"{minutes}/draft", {"language": "vi"})
        await self.chair.ceremony(f"{minutes}/approval/options", f"{minutes}/approval")
        self.say(
            "8. Minutes drafted; the chair approved the draft with a passkey over its SHA-256."
        )
        for signer, role in ((self.secretary, "secretary"), (self.chair, "chair")):
            # Each signer's own passkey confirms the exact files of this signing step.
            options = await signer.post(f"{minutes}/signatures/options", {"as": role})
            await signer.post(
                f"{minutes}/signatures", {"as": role, "credential": signer.device.assert_(options)}
            )
        out = self.settings.data_dir
        paths = []
        for document in ("minutes", "notice"):
            data = await self.secretary.get(f"/meetings/{self.meeting}/{document}.pdf")
            path = out / f"{document}-signed.pdf"
            await asyncio.to_thread(path.write_bytes, data)
            paths.append(path.resolve())
        register = await self.secretary.get(f"/bodies/{self.body}/key-register.pdf")
        await asyncio.to_thread((out / "key-register.pdf").write_bytes, register)
        roots = load_trust_roots([Path(self.settings.minutes_trust_roots)])
        keys, note = await read_register(register, trust_roots=roots)
        report = await verify_pdf(
            paths[0].read_bytes(), trust_roots=roots, keys=keys, keys_note=note
        )
        verdict = "verified" if report.ok else f"NOT verified ({len(report.problems)} problems)"
        self.say(
            f"9. Signed by the secretary, then the chair (PAdES), each confirming the "
            f"files with a passkey; {verdict}."
        )
        return paths[0], paths[1]

    async def close(self) -> None:
        for someone in self.people:
            await someone.http.aclose()


async def _watch(sim: Simulation, say: Say) -> None:
    """One tablet's websocket: prints the live count of ballots as the room sees it."""
    from websockets.asyncio.client import connect
    from websockets.typing import Origin

    uri = f"ws://127.0.0.1:{sim.port}/ws"
    async with connect(
        uri,
        origin=Origin(sim.settings.origin),
        additional_headers={"Cookie": sim.chair.cookie_header},
    ) as socket:
        await socket.send(json.dumps({"type": "watch", "meeting": sim.meeting}))
        last = -1
        async for raw in socket:
            message = json.loads(raw)
            if message.get("type") == "ping":
                await socket.send(json.dumps({"type": "pong"}))
            cast = message.get("cast")
            if message.get("type") == "tally" and isinstance(cast, int) and cast != last:
                last = cast
                if cast % 5 == 0:
                    say(f"     /ws: {cast} ballots cast")


async def _wait_for_enter(say: Say) -> None:
    """The server already runs, so the watcher can enroll and open the display first."""
    say("Open the room display, then press Enter to play the session.")
    try:
        await asyncio.to_thread(input)
    except EOFError:  # no terminal (piped or scripted): play at once
        say("No terminal to wait on; playing now.")


async def _prepare(settings: Settings) -> int:
    """The demo Government allows a secret ballot for the script's second vote (DOMAIN.md:
    a provincial committee may vote so on the chair's proposal); returns the meeting."""
    db = Database(settings.database_url)
    try:
        async with db.engine.begin() as connection:
            await connection.execute(text("UPDATE body SET secret_ballot_allowed = true"))
            meeting = (await connection.execute(text("SELECT min(id) FROM meeting"))).scalar()
    finally:
        await db.dispose()
    return int(meeting or 0)


async def simulate(
    settings: Settings,
    links: list[SeatLink],
    *,
    port: int,
    pace: float,
    say: Say,
    wait: bool = False,
) -> int:
    # The script enrolls and checks in dozens of people from one address in a minute.
    settings = replace(settings, signin_attempts_per_minute=10_000)
    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per request otherwise
    meeting = await _prepare(settings)
    from ..app import create_app

    server = uvicorn.Server(
        uvicorn.Config(
            create_app(settings),
            host="127.0.0.1",
            port=port,
            log_level="warning",
            ws_per_message_deflate=False,
        )
    )
    serving = asyncio.create_task(server.serve())
    sim = Simulation(settings, links, meeting, port=port, pace=pace, say=say)
    watcher: asyncio.Task[None] | None = None
    try:
        while not server.started:
            if serving.done():
                raise SimulationError(f"the server did not start on port {port}")
            await asyncio.sleep(0.05)
        say(
            f"Room display: {settings.origin}/meetings/{meeting}/display",
            f"  (to watch it, first enroll a passkey as the observer: {sim.watcher_link})",
            "",
        )
        if wait:
            await _wait_for_enter(say)
        await sim.enroll()
        watcher = asyncio.create_task(_watch(sim, say))
        await sim.positions()
        await sim.written_poll()
        await sim.check_in()
        await sim.session()
        minutes, notice = await sim.minutes()
    except SimulationError as exc:
        say(f"The simulation stopped: {exc}")
        return 1
    finally:
        if watcher is not None:
            watcher.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await watcher
        await sim.close()
        server.should_exit = True
        await serving
    say(
        "",
        f"Signed minutes: {minutes}",
        f"Conclusion notice: {notice}",
        f"Trust this CA certificate: {settings.minutes_trust_roots}",
        f"Member key register: {minutes.parent / 'key-register.pdf'}",
        f"Check: ecabinet minutes verify {minutes} --trust {settings.minutes_trust_roots} "
        f"--keys {minutes.parent / 'key-register.pdf'}",
    )
    return 0
