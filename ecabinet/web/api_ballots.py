"""JSON API for ballots, shared by written polls and live votes."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from ..actions import ballots, voting
from ..errors import ValidationFailed
from .common import actor_of, client_of, credential_in, db_of, int_param, json_body, settings_of
from .inputs import is_id
from .routing import api


async def ballot_options(request: Request) -> Response:
    """The ballot payload to sign and WebAuthn request options whose challenge is its SHA-256."""
    body = await json_body(request)
    question, choice = body.get("question"), body.get("choice")
    if not is_id(question) or not isinstance(choice, str):
        raise ValidationFailed('Send {"question": <number>, "choice": "for" | "against" | '
                               '"abstain"}.')
    async with db_of(request).transaction() as tx:
        result = await ballots.ballot_options(
            tx, settings_of(request), actor_of(request), poll_id=int_param(request, "poll"),
            question_id=question, choice=choice, client=client_of(request))
    return JSONResponse(result)


async def cast_ballot(request: Request) -> Response:
    """Cast a ballot: the payload as issued and the passkey assertion over it.

    Answers 201 with the ballot's receipt (the SHA-256 of its canonical payload)."""
    body = await json_body(request)
    payload = body.get("payload")
    if not isinstance(payload, dict):
        raise ValidationFailed("Send the ballot's payload exactly as it was issued.")
    async with db_of(request).transaction() as tx:
        ballot = await voting.cast(
            tx, settings_of(request), actor_of(request), poll_id=int_param(request, "poll"),
            payload=payload, credential=credential_in(body))
    return JSONResponse({"receipt": ballot.receipt, "choice": ballot.choice,
                         "question": ballot.question_id, "castAt": ballot.cast_at.isoformat()},
                        status_code=201)


def routes() -> list[BaseRoute]:
    return [
        api("/api/polls/{poll}/ballots/options", ballot_options, methods=["POST"]),
        api("/api/polls/{poll}/ballots", cast_ballot, methods=["POST"]),
    ]
