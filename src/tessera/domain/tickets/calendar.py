"""Working-time calendars: SLA targets count only the time a calendar says is working time."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol
from zoneinfo import ZoneInfo

MAX_DAYS = 3660  # a target longer than ten years of working days is a configuration error


class Calendar(Protocol):
    def add(self, start: datetime, duration: timedelta) -> datetime:
        """The moment ``duration`` of working time after ``start``."""
        ...

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        """How much working time lies between two moments (zero if ``end <= start``)."""
        ...


@dataclass(frozen=True, slots=True)
class AlwaysOpen:
    """Every hour counts: the default."""

    def add(self, start: datetime, duration: timedelta) -> datetime:
        return start + duration

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        return max(end - start, timedelta(0))


@dataclass(frozen=True, slots=True, kw_only=True)
class BusinessHours:
    """Working days and hours in one time zone, minus holidays.

    ``workdays`` are ISO weekday numbers (Monday = 1). Hours are local wall-clock times, so a
    working day keeps its hours across daylight-saving changes.
    """

    timezone: str = "UTC"
    workdays: frozenset[int] = frozenset({1, 2, 3, 4, 5})
    opens: time = time(9, 0)
    closes: time = time(17, 0)
    holidays: frozenset[date] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        if not self.workdays or not self.workdays <= {1, 2, 3, 4, 5, 6, 7}:
            raise ValueError("workdays must be ISO weekday numbers 1-7, at least one")
        if self.opens >= self.closes:
            raise ValueError("opening time must be before closing time")
        ZoneInfo(self.timezone)  # raises for an unknown zone

    def add(self, start: datetime, duration: timedelta) -> datetime:
        remaining = duration
        day = start.astimezone(self._zone).date()
        for _ in range(MAX_DAYS):
            window = self._window(day)
            if window is not None:
                opens, closes = max(window[0], start), window[1]
                if opens < closes:
                    if remaining <= closes - opens:
                        return opens + remaining
                    remaining -= closes - opens
            day += timedelta(days=1)
        raise ValueError("the calendar has no working time within ten years")

    def working_between(self, start: datetime, end: datetime) -> timedelta:
        total = timedelta(0)
        day = start.astimezone(self._zone).date()
        last = end.astimezone(self._zone).date()
        while day <= last:
            window = self._window(day)
            if window is not None:
                opens, closes = max(window[0], start), min(window[1], end)
                total += max(closes - opens, timedelta(0))
            day += timedelta(days=1)
        return total

    @property
    def _zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def _window(self, day: date) -> tuple[datetime, datetime] | None:
        """The day's working hours as UTC instants, or None on a day off."""
        if day.isoweekday() not in self.workdays or day in self.holidays:
            return None
        zone = self._zone
        return (
            datetime.combine(day, self.opens, tzinfo=zone).astimezone(UTC),
            datetime.combine(day, self.closes, tzinfo=zone).astimezone(UTC),
        )
