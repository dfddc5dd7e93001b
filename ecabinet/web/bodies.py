"""Typed request bodies: one pydantic model per API endpoint parses its JSON and gives
/api/openapi.json its schema, so what is documented is what is accepted.

A view names its body with ``@takes(Model)`` and reads it with ``await parsed(request,
Model)``; each model carries an example that tests/test_request_bodies.py sends to the
running API. Endpoints not moved over yet are still described in openapi.REQUEST_BODIES.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationError
from starlette.requests import Request
from starlette.responses import Response

from ..errors import ValidationFailed
from .common import json_body
from .inputs import MAX_ID

M = TypeVar("M", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]


class Body(BaseModel):
    # Unknown fields are ignored, as before: a newer tablet may send more than we read.
    model_config = ConfigDict(extra="ignore", frozen=True)


class Credential(BaseModel):
    """A WebAuthn credential as the browser's credential.toJSON() gives it."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    rawId: str  # the WebAuthn JSON's own name
    type: Literal["public-key"]
    response: dict[str, Any]


def takes(model: type[BaseModel]) -> Callable[[Endpoint], Endpoint]:
    """Declare the endpoint's request body (its OpenAPI schema comes from the model)."""
    def mark(view: Endpoint) -> Endpoint:
        view.request_body = model  # type: ignore[attr-defined]
        return view
    return mark


def model_of(view: object) -> type[BaseModel] | None:
    model = getattr(view, "request_body", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def schema_of(model: type[BaseModel]) -> dict[str, Any]:
    """The body's schema; the models it refers to are in ``shared_schemas``."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schema.pop("$defs", None)
    return schema


def shared_schemas(models: list[type[BaseModel]]) -> dict[str, Any]:
    """The models the bodies refer to (a Credential...), for the document's components."""
    shared: dict[str, Any] = {}
    for model in models:
        schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
        shared.update(schema.get("$defs", {}))
    return shared


async def parsed(request: Request, model: type[M]) -> M:
    """The request's JSON as ``model``, or a refusal that names the first bad field."""
    body = await json_body(request)
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        first = exc.errors()[0]
        field = ".".join(str(part) for part in first["loc"]) or "body"
        raise ValidationFailed(
            'The field "%(field)s" of the request is missing or not valid: %(problem)s.',
            field=field, problem=first["msg"]) from exc
