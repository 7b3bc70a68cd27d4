"""Mail templates (plain text and HTML) from the files beside this module."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

_TEMPLATES = Path(__file__).parent / "templates"
_environment = Environment(
    loader=FileSystemLoader(_TEMPLATES),
    autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
    undefined=StrictUndefined,
    keep_trailing_newline=True,
)

SUBJECTS = {
    "ticket_received": "[#{ticket_id}] We received your request: {title}",
    "agent_reply": "Re: [#{ticket_id}] {title}",
}


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def render(kind: str, **context: Any) -> RenderedMail:
    """Raises KeyError for an unknown kind."""
    subject = SUBJECTS[kind].format(**context).replace("\r", " ").replace("\n", " ")
    return RenderedMail(
        subject=subject[:300],
        text=_environment.get_template(f"{kind}.txt").render(**context),
        html=_environment.get_template(f"{kind}.html").render(**context),
    )
