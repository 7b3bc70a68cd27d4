"""Numeric cursors shared by the list routes: ASCII digits only, within the range of what
they count, so that no caller-made value can overflow a database integer (422 instead)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Annotated, Final

from fastapi import Path, Query
from pydantic import AfterValidator, StringConstraints
from pydantic_core import PydanticCustomError

ID_MAX: Final = 2**63 - 1  # ids are 64-bit
SEQUENCE_MAX: Final = 2**31 - 1  # per-ticket event sequence numbers are 32-bit


def _at_most(maximum: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if int(value) > maximum:
            raise PydanticCustomError("cursor_out_of_range", "is not a cursor this API issued")
        return value

    return check


# `[0-9]`, not `\d`: the schema's regular expressions match any Unicode digit.
IdCursor = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{1,19}$"), AfterValidator(_at_most(ID_MAX))
]
# A position in the changes feed: its `next_cursor`, a string like every cursor (64-bit).
PositionCursor = IdCursor
SequenceCursor = Annotated[
    str, StringConstraints(pattern=r"^[0-9]{1,10}$"), AfterValidator(_at_most(SEQUENCE_MAX))
]

# The parameters of an id-ordered list page and of a record named by its id in the path.
PageCursor = Annotated[IdCursor | None, Query(description="From next_cursor")]
PageLimit = Annotated[int, Query(ge=1, le=100)]
PathId = Annotated[int, Path(ge=1, le=ID_MAX)]
