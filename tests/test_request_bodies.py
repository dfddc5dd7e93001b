"""Typed request bodies: the model that parses a body is the schema /api/openapi.json
documents, every documented example gets past the running API's parsing, and a bad body is
refused naming its field."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import httpx
import pytest
from pydantic import BaseModel
from starlette.applications import Starlette
from starlette.routing import Route

from ecabinet.db import Database
from ecabinet.settings import Settings
from ecabinet.web.api_ballots import BallotRequest, CastBallot
from ecabinet.web.bodies import media_type_of, model_of
from ecabinet.web.openapi import openapi_path

from .support.factories import authenticator, enroll, seat_people
from .support.polls import open_poll


def _typed(app: Starlette, media_type: str | None = None) -> list[tuple[str, str, type[BaseModel]]]:
    found = []
    for route in app.routes:
        if not isinstance(route, Route):
            continue
        model = model_of(route.endpoint)
        if model is None or media_type not in (None, media_type_of(route.endpoint)):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            found.append((method, openapi_path(route.path), model))
    return found


def _examples(model: type[BaseModel]) -> list[dict[str, Any]]:
    return list(model.model_json_schema().get("examples") or [])


def _misfit(model: type[BaseModel]) -> dict[str, Any]:
    """A body whose first typed field holds a value no field of ours accepts."""
    for name, field in model.model_fields.items():
        if field.annotation not in (Any, dict[str, Any]):
            return {field.alias or name: [[[]]]}
    raise AssertionError(f"{model.__name__} has no field to get wrong")


def _problem(response: httpx.Response) -> str:
    kind = (
        response.json().get("type", "")
        if "json" in response.headers.get("content-type", "")
        else ""
    )
    return str(kind).rsplit(":", 1)[-1]


async def test_the_documented_schema_is_the_parsing_model(
    client: httpx.AsyncClient, app: Starlette
) -> None:
    spec = (await client.get("/api/openapi.json")).json()
    typed = _typed(app)
    assert ("POST", "/api/polls/{poll}/ballots/options") in {(m, p) for m, p, _ in typed}
    for method, path, model in typed:
        content = spec["paths"][path][method.lower()]["requestBody"]["content"]
        documented = next(iter(content.values()))["schema"]
        assert documented["title"] == model.__name__
        assert set(documented.get("required", [])) == {
            field.alias or name for name, field in model.model_fields.items() if field.is_required()
        }
    options = spec["paths"]["/api/polls/{poll}/ballots/options"]["post"]["requestBody"]
    choice = options["content"]["application/json"]["schema"]["properties"]["choice"]
    assert "enum" not in choice  # the options are the poll's own, not a fixed list
    cast = spec["paths"]["/api/polls/{poll}/ballots"]["post"]["requestBody"]
    credential = cast["content"]["application/json"]["schema"]["properties"]["credential"]
    assert spec["components"]["schemas"][credential["$ref"].rsplit("/", 1)[1]]["required"]


async def test_every_json_endpoint_documents_an_example(app: Starlette) -> None:
    missing = {path for _, path, model in _typed(app, "application/json") if not _examples(model)}
    assert missing == set()


async def test_every_documented_example_gets_past_the_parser_of_the_live_api(
    client: httpx.AsyncClient, app: Starlette, db: Database, settings: Settings
) -> None:
    seats = await seat_people(db, settings)
    await enroll(client, seats["secretariat"].token, authenticator(settings))
    typed = _typed(app, "application/json")
    for method, path, model in typed:
        # Ids of rows that may not exist: what is checked here is the body, which each
        # view parses before it looks anything up.
        url = re.sub(r"\{\w+\}", "1", path)
        for example in _examples(model):
            response = await client.request(method, url, json=example)
            assert response.status_code < 500, (method, path, example, response.text)
            assert _problem(response) != "invalid-body", (method, path, example, response.text)
        misfit = await client.request(method, url, json=_misfit(model))
        assert _problem(misfit) == "invalid-body", (method, path, misfit.text)
    assert len(typed) >= 25


@pytest.fixture
async def open_question(
    client: httpx.AsyncClient, db: Database, settings: Settings
) -> tuple[int, int]:
    """A written poll just opened, and the member it asks signed in on ``client``."""
    seats = await seat_people(db, settings)
    await enroll(client, seats["member"].token, authenticator(settings))
    return await open_poll(db, seats["member"].body_id)


async def test_a_ballot_request_as_documented_is_answered_by_the_api(
    client: httpx.AsyncClient, open_question: tuple[int, int]
) -> None:
    poll, question = open_question
    # The example names question 1 of a fresh database: the poll just opened.
    [example] = _examples(BallotRequest)
    response = await client.post(f"/api/polls/{poll}/ballots/options", json=example)
    assert response.status_code == 200, response.text
    assert question == 1 and response.json()["publicKey"]["challenge"]


async def test_a_cast_ballot_as_documented_carries_a_payload_as_the_api_issues_it(
    client: httpx.AsyncClient, open_question: tuple[int, int]
) -> None:
    poll, question = open_question
    issued = await client.post(
        f"/api/polls/{poll}/ballots/options", json={"question": question, "choice": "for"}
    )
    [example] = _examples(CastBallot)
    real = issued.json()["payload"]
    assert {k: type(v) for k, v in example["payload"].items()} == {
        k: type(v) for k, v in real.items()
    }
    assert example["payload"]["v"] == real["v"]
    # Sent as documented, the body parses; the made-up passkey answer is then refused.
    refused = await client.post(f"/api/polls/{poll}/ballots", json=example)
    assert refused.status_code == 400, refused.text
    assert _problem(refused) == "bad-request"


async def test_a_bad_body_is_refused_naming_its_field(
    client: httpx.AsyncClient, open_question: tuple[int, int]
) -> None:
    poll, _ = open_question
    bad: dict[str, Any] = {"question": "1", "choice": "for"}
    refused = await client.post(f"/api/polls/{poll}/ballots/options", json=bad)
    assert refused.status_code == 422
    assert refused.json()["type"] == "urn:ecabinet:problem:invalid-body"
    # In the reader's language (Vietnamese by default), naming the field.
    assert refused.json()["detail"] == "Trường question phải là một số nguyên."
    too_long = await client.post(
        f"/api/polls/{poll}/ballots/options", json={"question": 1, "choice": "x" * 65}
    )
    assert too_long.json()["detail"] == "Trường choice dài quá 64 ký tự."


def test_views_read_a_json_body_only_through_its_model() -> None:
    web = Path(__file__).parents[1] / "ecabinet" / "web"
    readers = re.compile(r"small_json\(|request\.json\(|await request\.body\(")
    found = sorted(
        path.name
        for path in web.glob("*.py")
        if path.name not in {"bodies.py", "inputs.py"}
        and readers.search(path.read_text(encoding="utf-8"))
    )
    assert not found
