"""Dead letters through the API and the CLI: admins list them (paginated) and replay them;
a replay that fails again keeps the record, one that succeeds removes it."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass

import pytest
from sqlalchemy import select
from typer.testing import CliRunner

from tessera.application.events.cloudevents import CloudEvent
from tessera.application.tickets.commands import CreateTicket
from tessera.bootstrap.cli import app as cli
from tessera.bootstrap.container import build_container
from tessera.bootstrap.settings import load_settings
from tessera.infrastructure.messaging.dead_letters import FailureLog
from tessera.infrastructure.messaging.dispatcher import ConsumerFailedError
from tessera.infrastructure.persistence.engine import create_engine
from tessera.infrastructure.persistence.mappers import cloud_event_from_row
from tessera.infrastructure.persistence.tables import outbox
from tests.e2e.conftest import Api, settings_for
from tests.integration.event_harness import ADMIN, Recorder


@dataclass
class Broken(Recorder):
    broken: bool = True

    async def handle(self, event: CloudEvent) -> None:
        if self.broken:
            raise RuntimeError("the archive is full")
        await super().handle(event)


async def _events(api: Api) -> list[CloudEvent]:
    async with api.container.engine.connect() as conn:
        tickets = select(outbox).where(outbox.c.subject_kind == "ticket")  # no people events
        rows = (await conn.execute(tickets.order_by(outbox.c.id))).mappings().all()
    return [cloud_event_from_row(row) for row in rows]


async def test_admins_list_and_replay_dead_letters(api: Api) -> None:
    archive = Broken("archive")
    api.container.consumers.append(archive)
    assert api.container.dispatcher is not None
    for _ in range(2):
        await api.create_ticket()
    first, second = await _events(api)
    max_deliveries = api.container.settings.events.max_deliveries
    for event in (first, second):
        for _ in range(max_deliveries - 1):
            with pytest.raises(ConsumerFailedError):
                await api.container.dispatcher.dispatch(event, group="archive")
        await api.container.dispatcher.dispatch(event, group="archive")  # given up: no raise

    listed = await api.client.get("/v1/dead-letters", params={"limit": 1}, headers=api.admin)
    assert listed.status_code == 200, listed.text
    body = listed.json()
    [letter] = body["data"]
    assert body["next_cursor"] == str(letter["id"])
    assert letter["consumer"] == "archive"
    assert letter["event_id"] == first.id
    assert letter["event_type"] == "ticket.created"
    assert letter["event"]["id"] == first.id
    assert letter["attempts"] == max_deliveries
    assert letter["error"] == "RuntimeError: the archive is full"
    rest = await api.client.get(
        "/v1/dead-letters", params={"cursor": body["next_cursor"]}, headers=api.admin
    )
    assert [item["event_id"] for item in rest.json()["data"]] == [second.id]
    assert rest.json()["next_cursor"] is None

    again = await api.client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=api.admin)
    assert again.status_code == 409, again.text
    assert again.json()["code"] == "replay_failed"
    assert again.json()["details"]["error"] == "RuntimeError: the archive is full"

    archive.broken = False
    replayed = await api.client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=api.admin)
    assert replayed.status_code == 200, replayed.text
    assert replayed.json()["event_id"] == first.id
    assert replayed.json()["attempts"] == max_deliveries + 1
    assert [e.id for e in archive.seen] == [first.id]
    remaining = await api.client.get("/v1/dead-letters", headers=api.admin)
    assert [item["event_id"] for item in remaining.json()["data"]] == [second.id]
    gone = await api.client.post(f"/v1/dead-letters/{letter['id']}/replay", headers=api.admin)
    assert gone.status_code == 404
    assert gone.json()["code"] == "dead_letter_not_found"
    # Handled now: a late redelivery from the broker is skipped.
    await api.container.dispatcher.dispatch(first, group="archive")
    assert [e.id for e in archive.seen] == [first.id]


def test_the_cli_lists_and_replays_dead_letters(
    api_database: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def give_up_on_an_event() -> str:
        engine = create_engine(api_database)
        try:
            async with engine.connect() as conn:
                tickets = select(outbox).where(outbox.c.subject_kind == "ticket")
                event = cloud_event_from_row((await conn.execute(tickets)).mappings().one())
            failures = FailureLog(engine, max_deliveries=2)
            for _ in range(2):  # the webhook consumer failed twice on it
                await failures.record("webhooks", event, OSError("disk full"))
            return event.id
        finally:
            await engine.dispose()

    event_id = asyncio.run(give_up_on_an_event())
    monkeypatch.setenv("TESSERA_DATABASE_URL", api_database)
    monkeypatch.setenv("TESSERA_ENV", "test")
    load_settings.cache_clear()
    try:
        runner = CliRunner()
        listed = runner.invoke(cli, ["dead-letters", "list"])
        assert listed.exit_code == 0, listed.output
        [line] = [line for line in listed.output.splitlines() if event_id in line]
        letter_id = line.split("\t")[0]
        assert "webhooks" in line and "OSError: disk full" in line and "2 attempts" in line

        missing = runner.invoke(cli, ["dead-letters", "replay", "999999"])
        assert missing.exit_code == 1
        assert "Dead letter 999999 not found" in missing.output
        replayed = runner.invoke(cli, ["dead-letters", "replay", letter_id])
        assert replayed.exit_code == 0, replayed.output
        assert f"Replayed ticket.created {event_id} to webhooks." in replayed.output
        after = runner.invoke(cli, ["dead-letters", "list"])
        assert "No dead letters." in after.output
    finally:
        load_settings.cache_clear()


@pytest.fixture
def api_database(database_url: str) -> str:
    """A database holding one ticket's events, written through the API."""

    async def one_ticket() -> None:
        container = build_container(settings_for(database_url))
        try:
            command = CreateTicket(
                title="Printer on fire",
                description="It is really on fire now.",
                customer_email="a@example.com",
            )
            await container.services.create_ticket(command, principal=ADMIN)
        finally:
            await container.close()

    asyncio.run(one_ticket())
    return database_url
