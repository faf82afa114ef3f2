"""Every error leaves as JSON naming the field or the rule; bad input never becomes a 500."""

from __future__ import annotations

import logging
from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from engine.errors import GraceError, RateLimited

log = logging.getLogger("grace.api")


def _field(loc: tuple[Any, ...]) -> str:
    parts = [str(p) for p in loc if p not in ("body", "query", "path", "header")]
    return ".".join(parts) or "body"


def _validation_message(err: dict[str, Any]) -> str:
    if err.get("type") == "json_invalid":
        return "The request body is not valid JSON."
    msg = str(err.get("msg", "invalid value"))
    return msg.removeprefix("Value error, ")


_RANGE_MESSAGES = ("out of int64 range", "out of range for type bigint", "out of range for type integer",
                   "too large to convert to sqlite integer", "int too big to convert", "int too large to convert")


def _out_of_integer_range(exc: BaseException) -> bool:
    text = f"{exc} {getattr(exc, 'orig', '')}".lower()
    return any(m in text for m in _RANGE_MESSAGES)


def install_error_handlers(app: FastAPI) -> None:
    @app.exception_handler(GraceError)
    async def _grace(_request: Request, exc: GraceError) -> JSONResponse:
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        if isinstance(exc, RateLimited):
            headers = {"Retry-After": str(exc.retry_after)}
        return JSONResponse(exc.to_dict(), status_code=exc.status, headers=headers)

    @app.exception_handler(RequestValidationError)
    async def _validation(_request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"field": "body" if e.get("type") == "json_invalid" else _field(tuple(e.get("loc", ()))),
             "message": _validation_message(e)}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"field": "body", "message": "invalid request"}
        return JSONResponse(
            {"error": "invalid_input", "message": f"{first['field']}: {first['message']}",
             "field": first["field"], "errors": errors},
            status_code=422,
        )

    @app.exception_handler(StarletteHTTPException)
    async def _http(_request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return JSONResponse({"error": "http_error", "message": str(exc.detail)}, status_code=exc.status_code,
                            headers=getattr(exc, "headers", None))

    @app.exception_handler(DBAPIError)
    @app.exception_handler(OverflowError)
    async def _out_of_range(request: Request, exc: Exception) -> JSONResponse:
        # An id past the database's 64-bit integers names no record: not found, not a crash.
        if _out_of_integer_range(exc):
            return JSONResponse({"error": "not_found", "message": "No record has that id: it is outside the range "
                                 "of ids this database holds."}, status_code=404)
        return await _unexpected(request, exc)

    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        log.exception("unhandled error on %s %s", request.method, request.url.path)
        return JSONResponse({"error": "internal_error", "message": "Something went wrong on our side; it is logged."},
                            status_code=500)
