"""Mail templates (plain text and HTML) from the files beside this module."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from jinja2 import Environment

_TEMPLATES = Path(__file__).parent / "templates"


@cache
def _environment() -> Environment:
    """Built at the first mail rendered: a process that sends none never imports Jinja."""
    from jinja2 import (  # noqa: PLC0415
        Environment,
        FileSystemLoader,
        StrictUndefined,
        select_autoescape,
    )

    return Environment(
        loader=FileSystemLoader(_TEMPLATES),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        undefined=StrictUndefined,
        keep_trailing_newline=True,
    )


SUBJECT_MAX = 300  # the outgoing_mail.subject column
# Characters a header may not carry as they are: line breaks of any kind (CR, LF, U+0085,
# U+2028, U+2029, FF, VT, the file/group/record separators), other control characters
# and runs of white space.
_BREAKING = re.compile(r"[\s\x00-\x1f\x7f-\x9f\u2028\u2029]+")
_LONE_SURROGATES = re.compile(r"[\ud800-\udfff]")  # not encodable at all

SUBJECTS = {
    "ticket_received": "[#{ticket_id}] We received your request: {title}",
    "agent_reply": "Re: [#{ticket_id}] {title}",
    "portal_login": "Your login link for the {team} portal",
}


@dataclass(frozen=True, slots=True)
class RenderedMail:
    subject: str
    text: str
    html: str


def single_line(text: str) -> str:
    """``text`` as one header line: every run of line breaks, control characters and white
    space becomes one space (the email package then encodes what is not ASCII)."""
    return _BREAKING.sub(" ", _LONE_SURROGATES.sub("", text)).strip()


def render(kind: str, **context: Any) -> RenderedMail:
    """Raises KeyError for an unknown kind."""
    return RenderedMail(
        subject=single_line(SUBJECTS[kind].format(**context))[:SUBJECT_MAX],
        text=_environment().get_template(f"{kind}.txt").render(**context),
        html=_environment().get_template(f"{kind}.html").render(**context),
    )
