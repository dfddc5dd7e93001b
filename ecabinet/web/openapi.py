"""/api/openapi.json, generated from the routes themselves so it cannot miss one.

Each API endpoint's docstring gives the summary (first line) and description (the rest);
its request body's schema is the model that parses it (``@takes``, web/bodies.py).
"""

from __future__ import annotations

import inspect
import re
from typing import Any

from pydantic import BaseModel
from starlette.convertors import IntegerConvertor
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from .. import __version__
from .bodies import media_type_of, model_of, schema_of, shared_schemas
from .routing import api

PROBLEM = {"$ref": "#/components/schemas/Problem"}


def _operation(method: str, route: Route) -> dict[str, Any]:
    doc = inspect.getdoc(route.endpoint) or route.name.replace("_", " ")
    summary, _, description = doc.partition("\n")
    operation: dict[str, Any] = {
        "operationId": f"{method.lower()}_{route.name}",
        "summary": summary.strip(),
        "responses": {
            "2XX": {"description": "Success", "content": {"application/json": {}}},
            "4XX": {
                "description": "Refused; `detail` says why in the reader's language.",
                "content": {"application/problem+json": {"schema": PROBLEM}},
            },
        },
    }
    if description.strip():
        operation["description"] = description.strip()
    parameters = [
        {
            "name": name,
            "in": "path",
            "required": True,
            "schema": {"type": "integer" if isinstance(convertor, IntegerConvertor) else "string"},
        }
        for name, convertor in route.param_convertors.items()
    ]
    if parameters:
        operation["parameters"] = parameters
    model = model_of(route.endpoint)
    if model is not None:
        operation["requestBody"] = {
            "required": True,
            "content": {media_type_of(route.endpoint): {"schema": schema_of(model)}},
        }
    return operation


def openapi_path(path: str) -> str:
    """Starlette's ``{id:int}`` is ``{id}`` in OpenAPI (the type is in the parameter)."""
    return re.sub(r"\{(\w+):\w+\}", r"{\1}", path)


def _models(routes: list[BaseRoute]) -> list[type[BaseModel]]:
    found = (model_of(route.endpoint) for route in routes if isinstance(route, Route))
    return [model for model in found if model is not None]


def document(routes: list[BaseRoute]) -> dict[str, Any]:
    paths: dict[str, dict[str, Any]] = {}
    for route in routes:
        if not isinstance(route, Route) or not route.path.startswith("/api/"):
            continue
        for method in sorted((route.methods or set()) - {"HEAD"}):
            paths.setdefault(openapi_path(route.path), {})[method.lower()] = _operation(
                method, route
            )
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "e-Cabinet API",
            "version": __version__,
            "description": "JSON API for tablets and integrators. Unsafe requests need "
            "a JSON body (or the X-CSRF-Token header) and the session "
            "cookie; errors are RFC 9457 problem details.",
        },
        "paths": dict(sorted(paths.items())),
        "components": {
            "schemas": {
                **shared_schemas(_models(routes)),
                "Problem": {
                    "type": "object",
                    "properties": {
                        "type": {"type": "string"},
                        "title": {"type": "string"},
                        "status": {"type": "integer"},
                        "detail": {"type": "string"},
                        "instance": {"type": "string"},
                    },
                },
            }
        },
    }


async def openapi_json(request: Request) -> Response:
    """The OpenAPI description of this API."""
    return JSONResponse(document(request.app.routes))


def routes() -> list[BaseRoute]:
    return [api("/api/openapi.json", openapi_json, name="openapi", public=True)]
