"""SLA targets and business hours (``TESSERA_SLA_*``)."""

from __future__ import annotations

from datetime import date, time
from typing import Annotated
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_settings import BaseSettings

from tessera.bootstrap.settings.base import settings_config
from tessera.domain.tickets.values import Priority


class BusinessHoursSettings(BaseModel):
    """``TESSERA_SLA_BUSINESS_HOURS='{"timezone": "Europe/Berlin", "workdays": [1,2,3,4,5],
    "opens": "09:00", "closes": "17:00", "holidays": ["2026-12-25"]}'``"""

    model_config = ConfigDict(extra="forbid")

    timezone: str = "UTC"
    workdays: list[Annotated[int, Field(ge=1, le=7)]] = Field(
        default_factory=lambda: [1, 2, 3, 4, 5], min_length=1
    )
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @model_validator(mode="after")
    def _opens_before_closing(self) -> BusinessHoursSettings:
        if self.opens >= self.closes:
            raise ValueError("opens must be before closes")
        return self


class SlaSettings(BaseSettings):
    """Targets in minutes per priority: ``TESSERA_SLA_TARGETS='{"high": [240, 1440]}'``.
    Without business hours every hour counts."""

    model_config = settings_config("TESSERA_SLA_")

    targets: dict[Priority, tuple[int, int]] = Field(default_factory=dict)
    business_hours: BusinessHoursSettings | None = None
    at_risk_minutes: int = Field(default=60, ge=1, le=60 * 24 * 30)
    # How often the SLA job looks for breaches (in the worker, or in serve when embedded).
    check_seconds: float = Field(default=30.0, gt=0, le=3600)
