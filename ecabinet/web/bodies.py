"""Typed request bodies: one pydantic model per API endpoint parses its JSON and gives
/api/openapi.json its schema, so what is documented is what is accepted.

A view names its body with ``@takes(Model)`` and reads it with ``await parsed(request,
Model)``; each model carries an example that tests/test_request_bodies.py sends to the
running API. A body that does not fit is refused (422, problem ``invalid-body``) with a
translated message naming the first bad field.
"""

from __future__ import annotations

import re
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from typing import Annotated, Any, Literal, TypeVar
from zoneinfo import ZoneInfo

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
)
from pydantic.alias_generators import to_camel
from pydantic_core import ErrorDetails, PydanticCustomError
from starlette.requests import Request
from starlette.responses import Response

from ..errors import InvalidBody
from ..i18n import N_
from .common import settings_of
from .inputs import MAX_ID, small_json

M = TypeVar("M", bound=BaseModel)
Endpoint = Callable[[Request], Awaitable[Response]]
Id = Annotated[StrictInt, Field(ge=1, le=MAX_ID)]
Flag = StrictBool
Level = Literal["public", "internal", "mat", "toi_mat", "tuyet_mat"]


class Body(BaseModel):
    # Unknown fields are ignored, as before: a newer tablet may send more than we read.
    model_config = ConfigDict(extra="ignore", frozen=True)


class CamelBody(Body):
    """A body whose fields are camelCase in JSON, like the rest of the API."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True)


class Changes(CamelBody):
    """A PATCH: only the fields sent change, and a field we do not know is refused (a
    misspelt name would otherwise change nothing without saying so)."""

    model_config = ConfigDict(extra="forbid")

    def changes(self) -> dict[str, Any]:
        return self.model_dump(exclude_unset=True)


def _blank_is_missing(value: object) -> object:
    if value is None or value == "":
        raise PydanticCustomError("missing", "Field required")
    return value


def _blank_is_none(value: object) -> object:
    return None if value == "" else value


def _in_zone(value: datetime | None, info: ValidationInfo) -> datetime | None:
    """A time typed without an offset is in the server's time zone (ECABINET_TIME_ZONE)."""
    if value is None:
        return None
    zone = (info.context or {}).get("zone", UTC)
    return (value.replace(tzinfo=zone) if value.tzinfo is None else value).astimezone(UTC)


ZONED = "ISO 8601; without an offset, in the server's time zone."
When = Annotated[
    datetime | None,
    BeforeValidator(_blank_is_none),
    AfterValidator(_in_zone),
    Field(description=ZONED),
]
Required = Annotated[
    datetime, BeforeValidator(_blank_is_missing), AfterValidator(_in_zone), Field(description=ZONED)
]
# In a PATCH: may be left out, but not sent blank.
RequiredIfSent = Annotated[
    datetime | None,
    BeforeValidator(_blank_is_missing),
    AfterValidator(_in_zone),
    Field(description=ZONED),
]


def or_default(default: object) -> BeforeValidator:
    """A choice left blank (an unselected form field) means its default."""
    return BeforeValidator(lambda value: default if value in (None, "") else value)


class Credential(BaseModel):
    """A WebAuthn credential as the browser's credential.toJSON() gives it."""

    model_config = ConfigDict(extra="allow", frozen=True)
    id: str
    rawId: str  # the WebAuthn JSON's own name
    type: Literal["public-key"]
    response: dict[str, Any]


FAKE_CREDENTIAL = {
    "id": "AAAA",
    "rawId": "AAAA",
    "type": "public-key",
    "response": {"clientDataJSON": "e30", "authenticatorData": "AAAA", "signature": "AAAA"},
}


class OptionLabel(Body):
    """One option of a "choose one option" question, as the members will see it."""

    label: str = Field(max_length=300, description="In Vietnamese.")
    label_en: str = Field("", max_length=300, description="In English, if given.")


def example(*examples: dict[str, Any]) -> ConfigDict:
    """The model's documented examples (each one sent to the API by the tests)."""
    return ConfigDict(json_schema_extra={"examples": list(examples)})


def takes(
    model: type[BaseModel], media_type: str = "application/json"
) -> Callable[[Endpoint], Endpoint]:
    """Declare the endpoint's request body (its OpenAPI schema comes from the model)."""

    def mark(view: Endpoint) -> Endpoint:
        view.request_body = model  # type: ignore[attr-defined]
        view.request_media_type = media_type  # type: ignore[attr-defined]
        return view

    return mark


def model_of(view: object) -> type[BaseModel] | None:
    model = getattr(view, "request_body", None)
    return model if isinstance(model, type) and issubclass(model, BaseModel) else None


def media_type_of(view: object) -> str:
    return str(getattr(view, "request_media_type", "application/json"))


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
    settings = settings_of(request)
    body = await small_json(request, settings.max_body_bytes)
    try:
        return model.model_validate(body, context={"zone": ZoneInfo(settings.time_zone)})
    except ValidationError as exc:
        raise refusal(exc.errors()) from exc


NUMBER = {
    "int_type",
    "int_parsing",
    "int_from_float",
    "greater_than_equal",
    "less_than_equal",
    "greater_than",
    "less_than",
}
PLAIN = {
    "missing": N_("The field %(field)s is required."),
    "string_type": N_("The field %(field)s must be text."),
    "bool_type": N_("The field %(field)s must be true or false."),
    "list_type": N_("The field %(field)s must be a list."),
    "dict_type": N_("The field %(field)s must be an object."),
    "model_type": N_("The field %(field)s must be an object."),
    **dict.fromkeys(NUMBER, N_("The field %(field)s must be a whole number.")),
    **dict.fromkeys(
        ("datetime_type", "datetime_parsing", "datetime_from_date_parsing"),
        N_("The field %(field)s is not a date and time; write it like 2030-06-30T08:30."),
    ),
}


def refusal(errors: list[ErrorDetails]) -> InvalidBody:
    """Pydantic's first error as one of our translated messages."""
    unknown = [str(error["loc"][-1]) for error in errors if error["type"] == "extra_forbidden"]
    if unknown:
        return InvalidBody("Unknown fields: %(fields)s.", fields=", ".join(unknown))
    first = errors[0]
    kind, ctx = first["type"], first.get("ctx") or {}
    names = [str(part) for part in first["loc"] if not isinstance(part, int)]
    field = ".".join(names) or "body"
    if len(first["loc"]) > len(names):  # an element of a list
        listed = (
            "The field %(field)s must be a list of numbers."
            if kind in NUMBER
            else "The field %(field)s must be a list of texts."
        )
        return InvalidBody(listed, field=field)
    if kind in {"literal_error", "enum"}:
        choices = ", ".join(re.findall(r"'([^']*)'", str(ctx.get("expected", ""))))
        return InvalidBody(
            "The field %(field)s must be one of: %(choices)s.", field=field, choices=choices
        )
    if kind == "string_too_long":
        return InvalidBody(
            "The field %(field)s is longer than %(limit)s characters.",
            field=field,
            limit=ctx.get("max_length"),
        )
    if kind in PLAIN:
        return InvalidBody(PLAIN[kind], field=field)
    return InvalidBody(
        'The field "%(field)s" of the request is missing or not valid: %(problem)s.',
        field=field,
        problem=first["msg"],
    )
