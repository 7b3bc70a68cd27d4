"""The ticket page's words: every history line names who did what, in a person's terms."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tessera.application.events.cloudevents import CloudEvent
from tessera.presentation.web.ticket_wording import Names, file_size, history_line, time_left

NAMES = Names(users={7: "Ada Agent", 8: "Bo Boss"}, groups={3: "Billing"})
AT = datetime(2026, 3, 2, 9, 0, tzinfo=UTC)


def event(kind: str, data: dict[str, Any], *, actor: str = "user:7") -> CloudEvent:
    return CloudEvent(
        id="e1",
        type=kind,
        source="/tessera",
        subject="1",
        time=AT,
        sequence=1,
        actor=actor,
        data=data,
    )


@pytest.mark.parametrize(
    ("kind", "data", "what"),
    [
        ("ticket.created", {"ticket": {"channel": "email"}}, "Opened the ticket (email)"),
        ("ticket.status_changed", {"old": "open", "new": "in_progress"},
         "Changed status from Open to In progress"),
        ("ticket.assigned", {"old": None, "new": 8}, "Assigned to Bo Boss"),
        ("ticket.assigned", {"old": 8, "new": None}, "Unassigned (was Bo Boss)"),
        ("ticket.assigned", {"old": None, "new": 99}, "Assigned to User 99"),
        ("ticket.commented", {"public": True, "attachments": []}, "Replied publicly"),
        ("ticket.commented", {"public": False, "attachments": [{}, {}]},
         "Left an internal note with 2 files"),
        ("ticket.updated", {"changes": {"priority": {"old": "medium", "new": "high"}}},
         "Changed priority from Medium to High"),
        ("ticket.updated", {"changes": {"group_id": {"old": None, "new": 3},
                                        "title": {"old": "a", "new": "b"}}},
         "Changed group from No group to Billing; changed the title"),
        ("ticket.updated", {"changes": {"tags": {"old": [], "new": ["vip", "eu"]}}},
         "Changed tags from none to vip, eu"),
        ("ticket.merged", {"source_id": 4, "target_id": 1}, "Merged #4 into #1"),
        ("ticket.sla_breached", {"target": "first_response"},
         "Missed the first response target"),
        ("ticket.brand_new", {}, "ticket.brand_new"),
    ],
)  # fmt: skip
def test_each_event_reads_as_a_sentence(kind: str, data: dict[str, Any], what: str) -> None:
    line = history_line(event(kind, data), NAMES)
    assert (line.at, line.who, line.what) == (AT, "Ada Agent", what)


def test_an_actor_that_is_no_user_is_the_system() -> None:
    line = history_line(
        event("ticket.sla_breached", {"target": "resolution"}, actor="system"), NAMES
    )
    assert line.who == "System"


@pytest.mark.parametrize(
    ("remaining", "text"),
    [
        (timedelta(seconds=30), "less than a minute"),
        (timedelta(minutes=45, seconds=59), "45 min"),
        (timedelta(hours=3, minutes=20), "3 h 20 min"),
        (timedelta(hours=5), "5 h"),
        (timedelta(days=2, hours=1, minutes=5), "2 d 1 h"),
        (-timedelta(hours=1, minutes=2), "1 h 2 min"),  # the sign is the template's business
    ],
)
def test_time_left_is_rounded_down_to_the_minute(remaining: timedelta, text: str) -> None:
    assert time_left(remaining) == text


@pytest.mark.parametrize(
    ("size", "text"), [(12, "12 B"), (2048, "2 KB"), (5 * 1024 * 1024 + 1, "5.0 MB")]
)
def test_file_sizes_read_in_the_unit_that_fits(size: int, text: str) -> None:
    assert file_size(size) == text
