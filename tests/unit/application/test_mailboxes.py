"""Look-alike addresses: refused where they would share a mailbox with a known address."""

from __future__ import annotations

import pytest

from tessera.application.tickets.commands import CreateTicket
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.domain.access.mailboxes import LookalikeAddressError
from tests.unit.application.conftest import App


def ticket_for(email: str) -> CreateTicket:
    return CreateTicket(title="Invoice", description="Where is my invoice?", customer_email=email)


async def test_a_requester_token_for_a_look_alike_of_a_customer_is_refused(app: App) -> None:
    agent = await app.principal("agent")
    await app.services.create_ticket(ticket_for("straße@example.com"), principal=agent)
    with pytest.raises(LookalikeAddressError) as caught:
        await app.services.issue_token(
            IssueToken(name="x", role="requester", email="strasse@example.com"), principal=None
        )
    assert (caught.value.code, caught.value.field) == ("conflict", "email")
    assert all(t.email != "strasse@example.com" for t in app.store.tokens.values())


async def test_a_ticket_for_a_look_alike_of_a_token_holder_is_refused(app: App) -> None:
    agent = await app.principal("agent")
    await app.principal("requester", email="finance@example.com")
    with pytest.raises(LookalikeAddressError) as caught:
        await app.services.create_ticket(ticket_for("ﬁnance@example.com"), principal=agent)
    assert caught.value.field == "customer_email"
    assert app.store.tickets == {}


async def test_the_known_spelling_is_accepted_again_and_again(app: App) -> None:
    agent = await app.principal("agent")
    customer = await app.principal("requester", email="Ada@example.com")
    for principal in (agent, customer, agent):
        await app.services.create_ticket(ticket_for("Ada@example.com"), principal=principal)
    assert len(app.store.tickets) == 3
