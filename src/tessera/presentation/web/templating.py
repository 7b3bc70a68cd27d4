"""Jinja2 with autoescaping on for every template: user text is always inert."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from jinja2 import Environment, PackageLoader, StrictUndefined
from starlette.requests import Request
from starlette.responses import HTMLResponse

from tessera.presentation.web.paths import CSRF_FIELD, CSRF_HEADER
from tessera.presentation.web.views import VIEWS

environment = Environment(
    loader=PackageLoader("tessera.presentation.web", "templates"),
    autoescape=True,
    undefined=StrictUndefined,
    trim_blocks=True,
    lstrip_blocks=True,
    auto_reload=False,
    enable_async=False,
)


def _when(value: datetime | None) -> str:
    return value.strftime("%Y-%m-%d %H:%M UTC") if value is not None else ""


environment.filters["when"] = _when
environment.globals["csrf_field"] = CSRF_FIELD
environment.globals["csrf_header"] = CSRF_HEADER
environment.globals["console_views"] = VIEWS


def render(
    request: Request,
    template: str,
    context: dict[str, Any] | None = None,
    *,
    status_code: int = 200,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """``context`` may hold ``principal`` and ``csrf_token``; the layout shows the navigation
    only with a principal."""
    values: dict[str, Any] = {"request": request, "principal": None, "csrf_token": ""}
    values.update(context or {})
    body = environment.get_template(template).render(values)
    return HTMLResponse(
        body,
        status_code=status_code,
        headers={"Cache-Control": "no-store", **(headers or {})},
    )
