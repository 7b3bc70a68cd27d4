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


LEGAL_PATHS = (
    ("pending", "running", "applied"),
    ("pending", "running", "failed", "rolled_back"),
)


@given(st.lists(st.sampled_from(RunState), max_size=6))
def test_a_walk_from_pending_moves_only_along_one_legal_path_and_stops_at_a_final_state(
    walk: list[RunState],
) -> None:
    visited = [RunState.PENDING]
    for step in walk:
        try:
            visited.append(advance(visited[-1], step))
        except IllegalRunTransitionError:
            assert (visited[-1].value, step.value) not in EDGES
    path = tuple(state.value for state in visited)
    assert any(legal[: len(path)] == path for legal in LEGAL_PATHS), path
    assert (visited[-1] in FINAL_STATES) == (path in LEGAL_PATHS)
