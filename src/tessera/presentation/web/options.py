"""What the composition root tells the web pages about their deployment."""

from __future__ import annotations

from dataclasses import dataclass

from starlette.requests import Request


@dataclass(frozen=True, slots=True, kw_only=True)
class WebOptions:
    secure_cookies: bool = True  # off only where plain HTTP is served (development, test)


def options_of(request: Request) -> WebOptions:
    options: WebOptions = request.app.state.web
    return options
