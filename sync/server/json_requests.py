"""Request bodies parsed with orjson instead of the standard library.

A push batch is up to several megabytes of JSON; parsing it with the standard library
took longer than deciding the changes in it. FastAPI reads a JSON body through
``Request.json()``, so a route class that hands endpoints a request whose ``json()`` uses
:func:`sync.server.canonical_json.loads` is enough (the pattern of FastAPI's "custom
Request and APIRoute class"). Where orjson and the standard library would read a body
differently the standard library reads it (see canonical_json), so the same bodies mean
the same as before, and a body that is not JSON still gets FastAPI's own 422.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from sync.server import canonical_json


class JsonRequest(Request):
    async def json(self) -> Any:
        if not hasattr(self, "_json"):
            self._json = canonical_json.loads(await self.body())
        return self._json


class JsonRoute(APIRoute):
    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def with_fast_json(request: Request) -> Response:
            return await handler(JsonRequest(request.scope, request.receive))

        return with_fast_json
