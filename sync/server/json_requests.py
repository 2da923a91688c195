"""Request bodies parsed with orjson instead of the standard library.

A push batch is up to several megabytes of JSON; parsing it with the standard library
took longer than deciding the changes in it. FastAPI reads a JSON body through
``Request.json()``, so a route class that hands endpoints a request whose ``json()`` uses
orjson is enough (the pattern of FastAPI's "custom Request and APIRoute class"). What
orjson refuses that the standard library accepts (integers beyond 64 bits) falls back to
the standard library, so the same bodies are accepted as before, and a body that is not
JSON still gets FastAPI's own 422 (orjson's error is a ``json.JSONDecodeError``).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Coroutine
from typing import Any

import orjson
from fastapi import Request, Response
from fastapi.routing import APIRoute


class JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            body = await self.body()
            try:
                self._json = orjson.loads(body)
            except orjson.JSONDecodeError:
                self._json = json.loads(body)
        return self._json


class JsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_fast_json(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return with_fast_json
