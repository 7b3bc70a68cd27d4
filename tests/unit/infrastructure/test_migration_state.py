"""The migration run state machine, on its own."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.infrastructure.persistence.migration_state import (
    FINAL_STATES,
    IllegalRunTransitionError,
    RunState,
    advance,
)

EDGES = {
    ("pending", "running"),
    ("running", "applied"),
    ("running", "failed"),
    ("failed", "rolled_back"),
}


@given(st.sampled_from(RunState), st.sampled_from(RunState))
def test_only_the_spec_edges_are_allowed(current: RunState, new: RunState) -> None:
    if (current.value, new.value) in EDGES:
        assert advance(current, new) is new
    else:
        with pytest.raises(IllegalRunTransitionError):
            advance(current, new)


def test_applied_and_rolled_back_are_final() -> None:
    assert {RunState.APPLIED, RunState.ROLLED_BACK} == FINAL_STATES


@given(st.lists(st.sampled_from(RunState), max_size=6))
def test_every_legal_walk_from_pending_ends_in_a_final_state_or_is_still_moving(
    walk: list[RunState],
) -> None:
    state = RunState.PENDING
    for step in walk:
        try:
            state = advance(state, step)
        except IllegalRunTransitionError:
            break
    assert state in RunState
    assert state is not RunState.FAILED or (RunState.ROLLED_BACK not in walk[: walk.index(state)])
