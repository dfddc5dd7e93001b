"""JSON API for ballots, shared by written polls and live votes."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import ballots, voting
from .bodies import FAKE_CREDENTIAL, Body, Credential, Id, example, parsed, takes
from .common import actor_of, client_of, db_of, int_param, settings_of
from .routing import api


class BallotRequest(Body):
    """Which question, and which of the poll's options."""

    model_config = ConfigDict(json_schema_extra={"examples": [{"question": 1, "choice": "for"}]})
    question: Id
    choice: str = Field(
        max_length=64,
        description="One of the poll's own options (its "
        "`options` in GET /api/polls/{poll}); for a vote usually for, "
        "against or abstain; on a question with options (`question_options`), one of "
        "their keys (opt1, opt2, ...) or abstain.",
    )


class CastBallot(Body):
    """The payload exactly as issued, and the passkey's answer over it."""

    model_config = example(
        {
            "payload": {
                "v": ballots.PAYLOAD_VERSION,
                "origin": "https://ecabinet.example.vn",
                "body": 1,
                "poll": 1,
                "pollKind": "written",
                "question": 1,
                "questionText": "Thông qua dự thảo Nghị quyết?",
                "voter": 3,
                "person": 3,
                "choice": "for",
                "texts": [],
                "nonce": "q7WmFz0cX2h1sT9bKp3Y0A",
                "issuedAt": "2026-11-30T09:00:00+00:00",
            },
            "credential": FAKE_CREDENTIAL,
        }
    )
    payload: dict[str, Any] = Field(description="The payload exactly as issued.")
    credential: Credential


@takes(BallotRequest)
async def ballot_options(request: Request) -> Response:
    """The ballot payload to sign and WebAuthn request options whose challenge is its SHA-256."""
    body = await parsed(request, BallotRequest)
    async with db_of(request).pool_turn(), db_of(request).transaction() as tx:
        result = await ballots.ballot_options(
            tx,
            settings_of(request),
            actor_of(request),
            poll_id=int_param(request, "poll"),
            question_id=body.question,
            choice=body.choice,
            client=client_of(request),
        )
    return JSONResponse(result)


@takes(CastBallot)
async def cast_ballot(request: Request) -> Response:
    """Cast a ballot: the payload as issued and the passkey assertion over it.

    Answers 201 with the ballot's receipt (the SHA-256 of its canonical payload); the same
    signed ballot sent again (its answer was lost) gets 200 and the same receipt."""
    body = await parsed(request, CastBallot)
    async with db_of(request).pool_turn(), db_of(request).transaction() as tx:
        cast = await voting.cast(
            tx,
            settings_of(request),
            actor_of(request),
            poll_id=int_param(request, "poll"),
            payload=body.payload,
            credential=body.credential.model_dump(),
        )
    ballot = cast.ballot
    return JSONResponse(
        {
            "receipt": ballot.receipt,
            "choice": ballot.choice,
            "question": ballot.question_id,
            "castAt": ballot.cast_at.isoformat(),
            "resent": cast.resent,
        },
        status_code=200 if cast.resent else 201,
    )


def routes() -> list[BaseRoute]:
    return [
        api("/api/polls/{poll}/ballots/options", ballot_options, methods=["POST"]),
        api("/api/polls/{poll}/ballots", cast_ballot, methods=["POST"]),
    ]
