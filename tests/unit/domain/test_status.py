"""The status state machine of SPEC §3."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.errors import InvalidStatusTransitionError
from tessera.domain.tickets.status import TRANSITIONS, Status, can_transition, ensure_transition

ALLOWED = {
    ("open", "in_progress"),
    ("open", "pending"),
    ("open", "resolved"),
    ("open", "closed"),
    ("in_progress", "open"),
    ("in_progress", "pending"),
    ("in_progress", "resolved"),
    ("in_progress", "closed"),
    ("pending", "open"),
    ("pending", "in_progress"),
    ("pending", "resolved"),
    ("pending", "closed"),
    ("resolved", "open"),
    ("resolved", "closed"),
}


@given(st.sampled_from(Status), st.sampled_from(Status))
def test_the_transition_table_is_exactly_the_spec_table(old: Status, new: Status) -> None:
    assert can_transition(old, new) == ((old.value, new.value) in ALLOWED)


def test_closed_is_terminal() -> None:
    assert TRANSITIONS[Status.CLOSED] == frozenset()
    for target in Status:
        with pytest.raises(InvalidStatusTransitionError):
            ensure_transition(Status.CLOSED, target)


def test_a_refused_transition_names_the_allowed_ones() -> None:
    with pytest.raises(InvalidStatusTransitionError) as caught:
        ensure_transition(Status.RESOLVED, Status.PENDING)
    assert caught.value.code == "invalid_status_transition"
    assert caught.value.details == {
        "from": "resolved",
        "to": "pending",
        "allowed": ["closed", "open"],
    }
