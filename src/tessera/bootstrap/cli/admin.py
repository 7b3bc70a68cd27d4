"""``tessera users``, ``tessera tokens`` and ``tessera dead-letters``: the administrator's
commands."""

from __future__ import annotations

import sys
from typing import Annotated

import typer

from tessera.application.consumers.dead_letters import DeadLetterNotFoundError, ReplayFailedError
from tessera.application.people.users import CreateUser
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.cli.running import run_with_container
from tessera.domain.errors import TesseraError

users_app = typer.Typer(help="Users: admins, agents and customers.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
dead_letters_app = typer.Typer(help="Events a consumer gave up on.", no_args_is_help=True)


@users_app.command("create")
def users_create(
    name: Annotated[str, typer.Option(help="The user's name")],
    email: Annotated[str, typer.Option(help="The user's address (unique)")],
    role: Annotated[str, typer.Option(help="admin, agent or customer")] = "agent",
    organization_id: Annotated[int | None, typer.Option(min=1)] = None,
    time_zone: Annotated[str, typer.Option(help="An IANA time zone name")] = "UTC",
    ask_password: Annotated[
        bool, typer.Option("--ask-password", help="Prompt for a password (agents and admins)")
    ] = False,
) -> None:
    """Create a user and print its id; the password, when asked for, is never echoed."""
    password = (
        typer.prompt("Password", hide_input=True, confirmation_prompt=True)
        if ask_password
        else None
    )
    command = CreateUser(
        name=name,
        email=email,
        role=role,
        organization_id=organization_id,
        time_zone=time_zone,
        password=password,
    )
    try:
        user = run_with_container(lambda c: c.services.create_user(command, principal=None))
    except TesseraError as error:
        print(f"Not created: {error.message} {error.details or ''}".rstrip(), file=sys.stderr)
        raise typer.Exit(code=1) from None
    print(user.id)


@tokens_app.command("create")
def tokens_create(
    role: Annotated[
        str | None, typer.Option(help="admin, agent or requester (without --user-id)")
    ] = None,
    name: Annotated[str, typer.Option(help="Who holds it")] = "cli",
    email: Annotated[str | None, typer.Option(help="Required for requesters")] = None,
    user_id: Annotated[int | None, typer.Option(min=1, help="The user it acts as")] = None,
) -> None:
    """Issue a token for a user (or for the user with --email and --role, found or created)
    and print its secret (shown only this once)."""
    if (user_id is None) == (role is None):
        print("Give either --user-id or --role.")
        raise typer.Exit(code=2)
    command = IssueToken(name=name, role=role, email=email, user_id=user_id)
    issued = run_with_container(lambda c: c.services.issue_token(command, principal=None))
    print(issued.secret)


@dead_letters_app.command("list")
def dead_letters_list(
    limit: Annotated[int, typer.Option(min=1, max=100)] = 100,
    after: Annotated[int, typer.Option(min=0, help="List those after this id")] = 0,
) -> None:
    """List dead letters: id, consumer, event, attempts, last failure."""
    found = run_with_container(
        lambda c: c.services.list_dead_letters(principal=None, after_id=after, limit=limit)
    )
    for letter in found:
        print(
            f"{letter.id}\t{letter.consumer}\t{letter.event_type}\t{letter.event_id}\t"
            f"{letter.attempts} attempts\t{letter.last_failed_at:%Y-%m-%d %H:%M:%S}\t"
            f"{letter.error}"
        )
    if not found:
        print("No dead letters.")


@dead_letters_app.command("replay")
def dead_letters_replay(dead_letter_id: Annotated[int, typer.Argument(min=1)]) -> None:
    """Hand a dead letter's event to its consumer again (removed once it succeeds)."""
    try:
        letter = run_with_container(
            lambda c: c.services.replay_dead_letter(dead_letter_id, principal=None)
        )
    except (DeadLetterNotFoundError, ReplayFailedError) as error:
        details = error.details.get("error") if isinstance(error.details, dict) else None
        print(f"Not replayed: {error.message}{f': {details}' if details else ''}.")
        raise typer.Exit(code=1) from None
    print(f"Replayed {letter.event_type} {letter.event_id} to {letter.consumer}.")
