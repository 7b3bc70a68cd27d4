"""The ticket page's filters and tests on the shared template environment, and its renders."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from starlette.requests import Request
from starlette.responses import HTMLResponse

from tessera.domain.tickets.ticket import UNSET
from tessera.presentation.web.templating import environment, render
from tessera.presentation.web.ticket_wording import (
    FIELD_LABELS,
    SLA_TARGETS,
    file_size,
    time_left,
)


def _iso(value: datetime) -> str:
    return value.astimezone(UTC).isoformat().replace("+00:00", "Z")


environment.filters["isotime"] = _iso
environment.filters["filesize"] = file_size
environment.filters["timeleft"] = time_left
environment.filters["sla_target"] = lambda target: SLA_TARGETS.get(str(target), str(target))
environment.filters["field_label"] = lambda name: FIELD_LABELS.get(name, name)
environment.tests["unset"] = lambda value: value is UNSET


def render_page(
    request: Request,
    template: str,
    context: dict[str, Any],
    *,
    headers: dict[str, str] | None = None,
) -> HTMLResponse:
    """A page or partial of the ticket page (through this module, so its filters are there)."""
    return render(request, template, context, headers=headers)


def render_fragment(template: str, context: dict[str, Any]) -> str:
    """A partial as text (for a Server-Sent Event), autoescaped like every page."""
    return environment.get_template(template).render(context)
