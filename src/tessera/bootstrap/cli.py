"""The ``tessera`` command: serve, manage the schema, issue tokens."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import Annotated, TypeVar

import typer
import uvicorn

from tessera.application.tokens.manage_tokens import IssueToken
from tessera.bootstrap.container import Container, build_container
from tessera.bootstrap.logs import configure_logging
from tessera.bootstrap.settings import load_settings
from tessera.infrastructure.persistence import schema

app = typer.Typer(help="Tessera, the helpdesk backend.", no_args_is_help=True)
db_app = typer.Typer(help="Schema migrations.", no_args_is_help=True)
tokens_app = typer.Typer(help="API tokens.", no_args_is_help=True)
app.add_typer(db_app, name="db")
app.add_typer(tokens_app, name="tokens")

T = TypeVar("T")


def _run(work: Callable[[Container], Awaitable[T]]) -> T:
    settings = load_settings()
    configure_logging(settings)

    async def main() -> T:
        container = build_container(settings)
        try:
            return await work(container)
        finally:
            await container.close()

    return asyncio.run(main())


@app.command()
def serve(
    host: Annotated[str | None, typer.Option(help="Bind address")] = None,
    port: Annotated[int | None, typer.Option(help="Port")] = None,
    workers: Annotated[int, typer.Option(help="Worker processes")] = 1,
) -> None:
    """Serve the HTTP API (development mode migrates the schema first)."""
    settings = load_settings()
    uvicorn.run(
        "tessera.bootstrap.asgi:create_asgi_app",
        factory=True,
        host=host or settings.http.host,
        port=port or settings.http.port,
        workers=workers,
        loop="uvloop",
        http="httptools",
        access_log=False,
        log_level=settings.log_level.lower(),
    )


@db_app.command("upgrade")
def db_upgrade(revision: Annotated[str, typer.Argument()] = "head") -> None:
    """Apply migrations up to REVISION (default: head)."""
    _run(lambda c: schema.upgrade(c.engine, revision))
    print(f"Database upgraded to {revision}.")


@db_app.command("status")
def db_status() -> None:
    """Show the database's revision and the code's head."""
    state = _run(lambda c: schema.schema_state(c.engine))
    print(f"current: {', '.join(state.current) or '(empty)'}")
    print(f"head:    {', '.join(state.heads)}")
    print("up to date" if state.at_head else "behind: run `tessera db upgrade`")
    if not state.at_head:
        raise typer.Exit(code=1)


@tokens_app.command("create")
def tokens_create(
    role: Annotated[str, typer.Option(help="admin, agent or requester")],
    name: Annotated[str, typer.Option(help="Who holds it")] = "cli",
    email: Annotated[str | None, typer.Option(help="Required for requesters")] = None,
) -> None:
    """Issue a token and print its secret (shown only this once)."""
    command = IssueToken(name=name, role=role, email=email)
    issued = _run(lambda c: c.services.issue_token(command, principal=None))
    print(issued.secret)


def main() -> None:
    app()


if __name__ == "__main__":
    main()
