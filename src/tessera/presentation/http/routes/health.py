"""Health routes: ``/livez`` (the process answers) and ``/readyz`` (it can serve)."""

from __future__ import annotations

import asyncio

from fastapi import APIRouter
from starlette.responses import Response

from tessera.application.ports.health import Health
from tessera.presentation.http.dependencies import AppServices
from tessera.presentation.http.rendering import json_response

router = APIRouter(tags=["health"])
_READY = {
    "status": "ok",
    "checks": {
        "database": {"status": "ok", "code": "ok"},
        "schema": {"status": "ok", "code": "ok"},
    },
}


@router.get(
    "/livez",
    operation_id="health.live",
    summary="Liveness: the process is up",
    responses={200: {"content": {"application/json": {"example": {"status": "ok"}}}}},
)
async def livez() -> Response:
    return json_response({"status": "ok"})


@router.get(
    "/readyz",
    operation_id="health.ready",
    summary="Readiness: the database answers and its schema is current",
    responses={
        200: {"content": {"application/json": {"example": _READY}}},
        503: {"description": "Not ready; `checks` names what failed"},
    },
)
async def readyz(services: AppServices) -> Response:
    results = await asyncio.gather(*(check.check() for check in services.health_checks))
    failed = any(r.health is Health.FAILED for r in results)
    degraded = any(r.health is Health.DEGRADED for r in results)
    status = "failed" if failed else "degraded" if degraded else "ok"
    body = {
        "status": status,
        "checks": {
            r.name: {"status": r.health.value, "code": r.code, **r.details} for r in results
        },
    }
    return json_response(body, status_code=503 if failed else 200)
