"""A fake LinkedIn Marketing REST API on 127.0.0.1: lead form responses and lead forms by id."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse
from starlette.routing import Route

TOKEN = "li-access-token"


@dataclass
class FakeLinkedIn:
    url: str = ""
    responses: dict[str, dict[str, Any]] = field(default_factory=dict)
    forms: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: list[tuple[str, dict[str, str]]] = field(default_factory=list)
    fail_with: int | None = None

    async def handle(self, request: Request) -> JSONResponse:
        kind, key = request.path_params["kind"], request.path_params["key"]
        self.requests.append((f"{kind}/{key}", dict(request.headers)))
        if request.headers.get("authorization") != f"Bearer {TOKEN}":
            return JSONResponse({"status": 401, "code": "INVALID_ACCESS_TOKEN"}, status_code=401)
        if not request.headers.get("linkedin-version"):
            return JSONResponse({"status": 426, "code": "VERSION_MISSING"}, status_code=426)
        if self.fail_with:
            return JSONResponse({"status": self.fail_with}, status_code=self.fail_with)
        store = self.responses if kind == "leadFormResponses" else self.forms
        if key not in store:
            return JSONResponse({"status": 404, "code": "NOT_FOUND"}, status_code=404)
        return JSONResponse(store[key])

    def app(self) -> Starlette:
        return Starlette(routes=[Route("/rest/{kind:str}/{key:str}", self.handle, methods=["GET"])])
