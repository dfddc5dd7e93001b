"""Written polls for the ballot tests: one opened straight in the database, or drafted by
the secretariat through the API; a member's passkey-signed vote."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import httpx

from ecabinet.db import Database
from ecabinet.models import Body, Poll, PollQuestion, rules_of, utcnow
from ecabinet.vocab import PollKind, PollState

from .deliberation import Member


async def open_poll(db: Database, body_id: int, *, secret: bool = False) -> tuple[int, int]:
    async with db.transaction() as tx:
        body = await tx.session.get(Body, body_id)
        assert body is not None
        poll = Poll(
            body_id=body_id,
            kind=PollKind.WRITTEN.value,
            title="Lấy ý kiến",
            options=list(body.vote_options),
            state=PollState.OPEN.value,
            rules=rules_of(body),
            secret=secret,
            opened_at=utcnow(),
            deadline=utcnow() + timedelta(days=1),
        )
        tx.session.add(poll)
        await tx.session.flush()
        assert poll.id is not None
        question = PollQuestion(poll_id=poll.id, ordinal=1, text="Thông qua dự thảo Nghị quyết?")
        tx.session.add(question)
        await tx.session.flush()
        assert question.id is not None
        return poll.id, question.id


async def draft(office: Member, body_id: int, **fields: Any) -> dict[str, Any]:
    response = await office.client.post(
        f"/api/bodies/{body_id}/polls",
        json={
            "title": "Lấy ý kiến thành viên Chính phủ về dự thảo Nghị định",
            "questions": ["Thông qua dự thảo Nghị định?"],
            **fields,
        },
    )
    assert response.status_code == 201, response.text
    return dict(response.json())


async def vote(member: Member, poll: int, question: int, choice: str) -> httpx.Response:
    issued = await member.client.post(
        f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": choice}
    )
    assert issued.status_code == 200, issued.text
    body = issued.json()
    return await member.client.post(
        f"/api/polls/{poll}/ballots",
        json={"payload": body["payload"], "credential": member.device.assert_(body["publicKey"])},
    )
