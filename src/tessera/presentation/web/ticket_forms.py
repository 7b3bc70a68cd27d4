"""The ticket page's form fields read into the use cases' terms, and their errors into words."""

from __future__ import annotations

from typing import Final

from starlette.datastructures import FormData
from starlette.exceptions import HTTPException

from tessera.application.tickets.stale_edit import TicketFields
from tessera.domain.errors import DomainValidationError, TesseraError
from tessera.presentation.web.ticket_wording import FIELD_LABELS

_ID_MAX: Final = 2**63 - 1
_VERSION_MAX: Final = 2**31 - 1


def path_id(raw: str) -> int:
    """An id from a page's path; anything else is no such page (404, never a 500)."""
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= _ID_MAX:
        raise HTTPException(status_code=404)
    return int(raw)


def text(form: FormData, name: str) -> str:
    value = form.get(name)
    return value if isinstance(value, str) else ""


def optional_id(form: FormData, name: str) -> int | None:
    """An id from a select: empty is none (unassigned, no group)."""
    raw = text(form, name).strip()
    if not raw:
        return None
    if not raw.isascii() or not raw.isdigit() or int(raw) > _ID_MAX:
        raise DomainValidationError.single(name, "must be an id")
    return int(raw)


def version_of(form: FormData) -> int:
    raw = text(form, "version").strip()
    if not raw.isascii() or not raw.isdigit() or not 1 <= int(raw) <= _VERSION_MAX:
        raise DomainValidationError.single("version", "must be the ticket's version")
    return int(raw)


def ticket_fields(form: FormData, *, prefix: str = "") -> TicketFields:
    """The sidebar's fields as sent (``prefix="seen_"``: as they were when the page showed
    them). Status and priority are checked by the update itself."""
    return TicketFields(
        status=text(form, f"{prefix}status").strip(),
        priority=text(form, f"{prefix}priority").strip(),
        group_id=optional_id(form, f"{prefix}group_id"),
        assignee_id=optional_id(form, f"{prefix}assignee_id"),
    )


def error_message(error: TesseraError) -> str:
    """What went wrong, in words a person acts on: each bad field with what is wrong."""
    if isinstance(error, DomainValidationError):
        parts = [
            f"{FIELD_LABELS.get(e.field, e.field.capitalize())}: {e.message}" for e in error.errors
        ]
        return "; ".join(parts) or error.message
    return error.message
