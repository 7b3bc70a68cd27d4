"""The ``tessera`` command as an operator runs it (a real process): documented forms work, and
a bad setting is one line naming its variable, never a traceback."""

from __future__ import annotations

import asyncio
import logging
import re
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest
import structlog
import uvloop
from argon2 import PasswordHasher
from pydantic import ValidationError
from typer.testing import CliRunner, Result

from tessera.bootstrap.cli import app
from tessera.bootstrap.cli.running import run_with_container
from tessera.bootstrap.container import Container
from tessera.bootstrap.settings import Environment, Settings, load_settings


@pytest.fixture(autouse=True)
def fresh_process_state(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """Each invocation reads its own environment (no cached settings, no .env nearby) and
    leaves the logging of the test process as it found it."""
    monkeypatch.chdir(tmp_path)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    load_settings.cache_clear()
    yield
    load_settings.cache_clear()
    root.handlers[:], level = saved
    root.setLevel(level)
    structlog.reset_defaults()


def tessera(*args: str, env: dict[str, str], cwd: Path) -> Result:
    assert Path.cwd() == cwd
    load_settings.cache_clear()  # a new process reads its settings afresh
    return CliRunner().invoke(app, list(args), env=env)


def _current(env: dict[str, str], cwd: Path) -> str:
    status = tessera("db", "status", env=env, cwd=cwd)
    found = re.search(r"^current: (\S+)", status.stdout, re.MULTILINE)
    assert found, status.output
    return found.group(1)


def test_db_downgrade_takes_relative_steps_and_revision_ids(tmp_path: Path) -> None:
    env = {"TESSERA_ENV": "production", "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    assert tessera("db", "upgrade", env=env, cwd=tmp_path).exit_code == 0
    head = _current(env, tmp_path)

    step = tessera("db", "downgrade", "-1", env=env, cwd=tmp_path)
    assert step.exit_code == 0, step.output
    previous = _current(env, tmp_path)
    assert previous != head
    assert step.stdout.startswith(f"Downgraded {head} -> {previous}")

    two = tessera("db", "downgrade", "-2", "--no-wait", env=env, cwd=tmp_path)
    assert two.exit_code == 0, two.output
    assert _current(env, tmp_path) < previous

    assert tessera("db", "upgrade", env=env, cwd=tmp_path).exit_code == 0
    by_id = tessera("db", "downgrade", "0001", env=env, cwd=tmp_path)
    assert by_id.exit_code == 0, by_id.output
    assert _current(env, tmp_path) == "0001"

    unknown = tessera("db", "downgrade", "nope", env=env, cwd=tmp_path)
    assert unknown.exit_code != 0
    assert "Traceback" not in unknown.stderr
    assert unknown.stderr.splitlines()[-1] == "Not migrated: unknown or ambiguous revision 'nope'."


def test_users_create_stores_an_argon2id_hash_and_tokens_act_as_the_user(tmp_path: Path) -> None:
    env = {"TESSERA_ENV": "production", "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path}/t.db"}
    assert tessera("db", "upgrade", env=env, cwd=tmp_path).exit_code == 0
    args = ["users", "create", "--name", "Grace", "--email", "grace@support.example.com"]
    created = CliRunner().invoke(
        app, [*args, "--ask-password"], env=env, input="correct horse battery\n" * 2
    )
    assert created.exit_code == 0, created.output
    user_id = int(created.stdout.strip().splitlines()[-1])
    assert "correct horse" not in created.stdout

    again = tessera(*args, env=env, cwd=tmp_path)
    assert again.exit_code == 1
    assert again.stderr.splitlines()[-1].startswith(
        "Not created: A user with this e-mail address already exists"
    )
    token = tessera("tokens", "create", "--user-id", str(user_id), env=env, cwd=tmp_path)
    assert token.exit_code == 0, token.output
    assert token.stdout.strip().startswith("tsr_")

    with sqlite3.connect(tmp_path / "t.db") as db:
        (stored,) = db.execute(
            "SELECT password_hash FROM users WHERE id = ?", (user_id,)
        ).fetchone()
        (holder,) = db.execute("SELECT user_id FROM api_tokens").fetchone()
    assert stored.startswith("$argon2id$")
    assert PasswordHasher().verify(stored, "correct horse battery")
    assert holder == user_id


COMMANDS = [
    ["serve"],
    ["worker"],
    ["db", "upgrade"],
    ["db", "downgrade", "-1"],
    ["db", "status"],
    ["db", "check"],
    ["db", "sql"],
    ["tokens", "create", "--role", "admin"],
]
BAD_SETTINGS = [
    ("TESSERA_HTTP_PORT", "abc", "valid integer"),
    ("TESSERA_ENV", "prod", "'production'"),
    ("TESSERA_SLA_TARGETS", '{"high": [240, ', "not valid JSON"),
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("variable", "value", "problem"), BAD_SETTINGS, ids=str)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, command: list[str], variable: str, value: str, problem: str
) -> None:
    result = tessera(*command, env={variable: value}, cwd=tmp_path)

    assert result.exit_code == 2
    assert result.stdout == ""
    [line] = result.stderr.splitlines()
    assert line.startswith(f"{variable}: ")
    assert problem in line


def test_every_bad_setting_gets_its_own_line(tmp_path: Path) -> None:
    env = {variable: value for variable, value, _ in BAD_SETTINGS}
    result = tessera("db", "status", env=env, cwd=tmp_path)

    assert result.exit_code == 2
    assert sorted(line.split(":")[0] for line in result.stderr.splitlines()) == sorted(env)


@pytest.mark.parametrize("environment", ["test", "staging", "production"])
def test_a_weak_bootstrap_token_is_refused_outside_development(
    tmp_path: Path, environment: str
) -> None:
    env = {
        "TESSERA_ENV": environment,
        "TESSERA_DATABASE_URL": f"sqlite:///{tmp_path}/t.db",
        "TESSERA_BOOTSTRAP_ADMIN_TOKEN": "hunter2hunter2",
    }
    result = tessera("serve", env=env, cwd=tmp_path)

    assert result.exit_code == 2
    [line] = result.stderr.splitlines()
    assert line.startswith("TESSERA_BOOTSTRAP_ADMIN_TOKEN: too weak")
    assert "hunter2" not in result.stdout + result.stderr  # a supplied secret is never printed


@pytest.mark.parametrize("token", ["admin", "a" * 40, "password" * 4])
def test_weak_tokens_pass_in_development_only(token: str) -> None:
    Settings(env=Environment.DEVELOPMENT, bootstrap_admin_token=token)
    with pytest.raises(ValidationError, match="too weak"):
        Settings(env=Environment.PRODUCTION, bootstrap_admin_token=token)


def test_a_random_hex_token_is_strong_enough() -> None:
    token = "3f9a0c7be1d24856a9f0c3b7e2d1468a"
    settings = Settings(env=Environment.PRODUCTION, bootstrap_admin_token=token)
    assert settings.bootstrap_admin_token is not None


def test_commands_run_on_uvloop_as_serve_does(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``worker``, ``db`` and ``admin`` share ``run_with_container``: its loop is uvloop's."""
    monkeypatch.setenv("TESSERA_ENV", "production")
    monkeypatch.setenv("TESSERA_DATABASE_URL", f"sqlite:///{tmp_path}/t.db")
    load_settings.cache_clear()

    async def loop_of(_container: Container) -> type[asyncio.AbstractEventLoop]:
        return type(asyncio.get_running_loop())

    assert run_with_container(loop_of) is uvloop.Loop
