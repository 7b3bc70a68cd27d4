"""Run several value parsers and report every bad field at once, not just the first."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

from tessera.domain.errors import DomainValidationError, FieldError

T = TypeVar("T")
F = TypeVar("F")


class FieldErrors:
    """``take`` each parsed value (``fallback`` stands in for a failure); then ``raise_any``."""

    def __init__(self) -> None:
        self._errors: list[FieldError] = []

    def take(self, parse: Callable[[], T], fallback: F) -> T | F:
        try:
            return parse()
        except DomainValidationError as error:
            self._errors.extend(error.errors)
            return fallback

    def raise_any(self) -> None:
        if self._errors:
            raise DomainValidationError(self._errors)
