"""One rule for all text a client sends (bodies and query parameters): no NUL character.

PostgreSQL cannot store U+0000 in text and no field has a use for it, so it is refused at the
boundary, on every backend alike, as a 422 naming the field. (Lone surrogates and invalid
UTF-8 never get this far: the JSON reader and Pydantic refuse them.)"""

from __future__ import annotations

from typing import Annotated, Final, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, field_validator
from pydantic_core import PydanticCustomError

NUL_MESSAGE: Final = "must not contain the NUL character (U+0000)"

T = TypeVar("T")


def reject_nul(value: T) -> T:
    """Raises a Pydantic error when ``value`` holds a NUL anywhere (also in lists and keys)."""
    if _has_nul(value):
        raise PydanticCustomError("text_nul", NUL_MESSAGE)
    return value


def _has_nul(value: object) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple | set | frozenset):
        return any(_has_nul(item) for item in value)
    if isinstance(value, dict):
        return any(_has_nul(key) or _has_nul(item) for key, item in value.items())
    return False


class RequestModel(BaseModel):
    """The base of every request body: unknown fields are refused, text follows the rule."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _text_has_no_nul(cls, value: object) -> object:
        return reject_nul(value)


# A query parameter's text, under the same rule.
QueryText = Annotated[str, AfterValidator(reject_nul)]
