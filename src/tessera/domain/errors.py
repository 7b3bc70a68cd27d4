"""The error base shared by every layer: a machine code, a message and optional details."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any


class TesseraError(Exception):
    """An expected failure with a stable machine ``code``; never carries an HTTP status."""

    code: str = "error"

    def __init__(self, message: str, *, details: Any = None) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


@dataclass(frozen=True, slots=True)
class FieldError:
    """One invalid field: its name (dotted for nested fields) and what is wrong with it."""

    field: str
    message: str


class DomainValidationError(TesseraError):
    """One or more values break a domain rule."""

    code = "validation_failed"

    def __init__(self, errors: list[FieldError]) -> None:
        super().__init__(
            "Validation failed",
            details=[{"field": e.field, "message": e.message} for e in errors],
        )
        self.errors = errors

    @classmethod
    def single(cls, field: str, message: str) -> DomainValidationError:
        return cls([FieldError(field, message)])


class InvalidStatusTransitionError(TesseraError):
    """The ticket's state machine does not allow this move."""

    code = "invalid_status_transition"


class TicketClosedError(TesseraError):
    """A closed ticket takes no more comments and cannot be merged."""

    code = "ticket_closed"
