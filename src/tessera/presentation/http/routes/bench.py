"""The benchmark's ceiling: the cheapest JSON answer this framework and server can give.

Mounted only with ``TESSERA_HTTP_BENCHMARK_ROUTES=true``; it passes through the same
middleware as every route, so the comparison with a cached ticket read is fair.
"""

from __future__ import annotations

from fastapi import APIRouter
from starlette.responses import Response

router = APIRouter(include_in_schema=False)

_BODY = b'{"id":1,"title":"constant","status":"open"}'


@router.get("/bench/bare")
async def bare() -> Response:
    return Response(_BODY, media_type="application/json")
