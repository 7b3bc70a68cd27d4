"""Mounts the console, the portal and their static files on the API's application."""

from __future__ import annotations

from fastapi import FastAPI
from starlette.staticfiles import StaticFiles

from tessera.presentation.web.errors import install_page_errors
from tessera.presentation.web.options import WebOptions
from tessera.presentation.web.paths import STATIC
from tessera.presentation.web.routes import (
    console_admin_people,
    console_admin_setup,
    console_admin_tokens,
    console_files,
    console_live,
    console_ticket,
    console_ticket_live,
    console_views,
    portal_login,
    portal_tickets,
)


def install_web(app: FastAPI, *, secure_cookies: bool = True) -> None:
    """Call after the API's error handlers are installed (pages wrap them)."""
    app.state.web = WebOptions(secure_cookies=secure_cookies)
    app.mount(
        STATIC,
        StaticFiles(packages=[("tessera.presentation.web", "static")]),
        name="static",
    )
    for module in (
        console_views,
        console_ticket,
        console_files,
        console_ticket_live,
        console_live,
        portal_login,
        portal_tickets,
        console_admin_people,
        console_admin_tokens,
        console_admin_setup,
    ):
        app.include_router(module.router)
    install_page_errors(app)
