"""FastAPI dependencies, the only place ``Depends`` is used: services and the principal."""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, Request

from tessera.application.errors import NotFoundError
from tessera.application.mail.services import MailServices
from tessera.application.services import Services
from tessera.domain.access.principal import Principal


async def get_services(request: Request) -> Services:
    """Async on purpose: FastAPI runs plain ``def`` dependencies in a thread pool."""
    return _services(request)


def _services(request: Request) -> Services:
    services: Services = request.app.state.services
    return services


async def get_principal(request: Request) -> Principal:
    """Raises UnauthenticatedError (401) for a missing, malformed, unknown or revoked token."""
    scheme, _, secret = request.headers.get("authorization", "").partition(" ")
    bearer = secret.strip() if scheme.lower() == "bearer" else None
    principal = await _services(request).authenticate(bearer)
    request.state.principal = principal  # for the access log
    return principal


async def get_mail_services(request: Request) -> MailServices:
    """Raises NotFoundError where the app was built without the e-mail channel."""
    mail: MailServices | None = getattr(request.app.state, "mail_services", None)
    if mail is None:
        raise NotFoundError("Not found")
    return mail


AppServices = Annotated[Services, Depends(get_services)]
MailAppServices = Annotated[MailServices, Depends(get_mail_services)]
CurrentPrincipal = Annotated[Principal, Depends(get_principal)]
