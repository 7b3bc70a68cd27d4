"""The admin pages' form values read into the use cases' terms, and the use cases' errors
read back into a message beside each field."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Annotated, Final

from fastapi import Depends
from starlette.datastructures import FormData

from tessera.application.errors import ForbiddenError
from tessera.domain.access.principal import can_administer
from tessera.domain.errors import TesseraError
from tessera.presentation.web.auth import PageUser, console_user

_ID_MAX: Final = 2**63 - 1
GENERAL: Final = ""  # an error that names no field: said above the form


@dataclass(frozen=True, slots=True)
class FormErrors:
    """What is wrong, by field name (``GENERAL`` for the form as a whole)."""

    by_field: dict[str, str] = field(default_factory=dict)

    @classmethod
    def of(cls, error: TesseraError, *, conflict_field: str = GENERAL) -> FormErrors:
        """Every ``{"field", "message"}`` the error details; an error without them goes to
        ``conflict_field`` (a taken address names no field of its own)."""
        found: dict[str, str] = {}
        details = error.details if isinstance(error.details, list) else []
        for detail in details:
            if isinstance(detail, dict) and isinstance(detail.get("field"), str):
                name, message = str(detail["field"]), str(detail.get("message", ""))
                found[name] = f"{found[name]}; {message}" if name in found else message
        if not found:
            found[conflict_field] = error.message
        elif conflict_field == GENERAL:
            found.setdefault(GENERAL, error.message)
        return cls(found)

    def get(self, name: str) -> str:
        return self.by_field.get(name, "")

    def __bool__(self) -> bool:
        return bool(self.by_field)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value.strip() if isinstance(value, str) else ""


def secret_text(form: FormData, name: str) -> str | None:
    """A password as typed (spaces kept); empty is none given."""
    value = form.get(name)
    return value if isinstance(value, str) and value else None


def checked(form: FormData, name: str) -> bool:
    return form.get(name) is not None


def optional_id(raw: str) -> int | None:
    """An id from a select; empty or anything but a positive id is none."""
    if raw.isascii() and raw.isdigit() and 1 <= int(raw) <= _ID_MAX:
        return int(raw)
    return None


def ids(form: FormData, name: str) -> frozenset[int]:
    found = (optional_id(v) for v in form.getlist(name) if isinstance(v, str))
    return frozenset(i for i in found if i is not None)


def after(raw: str | None) -> int:
    """A list's cursor from the address: the last id shown; anything else starts over."""
    return optional_id(raw or "") or 0


def admin_user() -> Callable[[PageUser], Awaitable[PageUser]]:
    async def dependency(user: Annotated[PageUser, Depends(console_user)]) -> PageUser:
        if not can_administer(user.principal):
            raise ForbiddenError("Only admins may open the admin pages")
        return user

    return dependency


AdminUser = Annotated[PageUser, Depends(admin_user())]
