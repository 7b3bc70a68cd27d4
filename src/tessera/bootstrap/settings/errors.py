"""Bad settings as one line per problem, each naming its environment variable (never its
value, which may be a secret)."""

from __future__ import annotations

import json
import re
from typing import Any

from pydantic import ValidationError
from pydantic_settings import BaseSettings, SettingsError

_FIELD_IN_MESSAGE = re.compile(r'field "(?P<field>[^"]+)"')


class InvalidSettingsError(Exception):
    """The environment (or ``.env``) holds settings Tessera cannot run with."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("\n".join(problems))
        self.problems = problems


def settings_problems(settings_class: type[BaseSettings]) -> list[str]:
    """Every problem of every group, not only the first one met: each group of settings is
    read on its own (with its own variable prefix), then the top-level ones."""
    problems: list[str] = []
    groups: dict[str, Any] = {}
    for name, field in settings_class.model_fields.items():
        group = field.annotation
        if isinstance(group, type) and issubclass(group, BaseSettings):
            problems += _read(group)
            groups[name] = group.model_construct()
    problems += _read(settings_class, **groups)
    return problems


def _read(settings_class: type[BaseSettings], **given: Any) -> list[str]:
    prefix = str(settings_class.model_config.get("env_prefix", "")).upper()
    try:
        settings_class(**given)
    except ValidationError as error:
        return [_line(prefix, problem) for problem in error.errors(include_input=False)]
    except SettingsError as error:
        found = _FIELD_IN_MESSAGE.search(str(error))
        variable = prefix + (found.group("field").upper() if found else "")
        cause = error.__cause__
        if isinstance(cause, json.JSONDecodeError):
            return [f"{variable}: not valid JSON ({cause.msg}, at character {cause.pos})"]
        return [f"{variable}: could not be read ({type(cause or error).__name__})"]
    return []


def _line(prefix: str, problem: object) -> str:
    assert isinstance(problem, dict)
    location = [str(part) for part in problem["loc"]]
    variable = prefix + (location[0].upper() if location else "")
    where = f" (at {'.'.join(location[1:])})" if len(location) > 1 else ""
    message = str(problem["msg"]).removeprefix("Value error, ")
    return f"{variable}: {message}{where}"
