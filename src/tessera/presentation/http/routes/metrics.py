"""``/metrics``: every Prometheus metric of this process, in the text format."""

from __future__ import annotations

from fastapi import APIRouter
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, generate_latest
from starlette.responses import Response

router = APIRouter(tags=["health"])


_EXAMPLE = (
    "# HELP tessera_http_requests_total HTTP requests answered\n"
    "# TYPE tessera_http_requests_total counter\n"
    'tessera_http_requests_total{method="GET",route="/v1/tickets",status="200"} 12.0\n'
)


@router.get(
    "/metrics",
    operation_id="health.metrics",
    summary="Prometheus metrics",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"example": _EXAMPLE}}}},
)
async def metrics() -> Response:
    return Response(generate_latest(REGISTRY), media_type=CONTENT_TYPE_LATEST)
