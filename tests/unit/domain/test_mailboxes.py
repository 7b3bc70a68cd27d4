"""Mailboxes: ownership is the exact normal form; look-alikes share a key and nothing else."""

from __future__ import annotations

import pytest

from tessera.domain.access.mailboxes import mailbox_key, parse_email
from tessera.domain.access.principal import Principal, Role, may_see_customer, same_mailbox
from tests.support import make_ticket

# (an address, a different address that looks like it)
LOOKALIKES = [
    ("straße@example.com", "strasse@example.com"),  # casefold maps ß to ss
    ("finance@example.com", "ﬁnance@example.com"),  # the fi ligature is an NFKC compatibility
    ("ada@example.com", "Ada@example.com"),
    ("ada@example.com", "\uff41\uff44\uff41@example.com"),  # fullwidth letters
    ("ada@example.com", "a\u200bda@example.com"),  # an invisible zero-width space
]


def requester(email: str) -> Principal:
    return Principal(
        token_id=7, user_id=7, name="customer", role=Role.REQUESTER, email=parse_email(email)
    )


@pytest.mark.parametrize(("known", "lookalike"), LOOKALIKES)
def test_a_look_alike_address_owns_nothing_of_the_address_it_imitates(
    known: str, lookalike: str
) -> None:
    assert not same_mailbox(parse_email(known), parse_email(lookalike))
    assert not may_see_customer(requester(lookalike), parse_email(known))
    assert not may_see_customer(requester(known), parse_email(lookalike))


@pytest.mark.parametrize(("known", "lookalike"), LOOKALIKES)
def test_look_alike_addresses_share_their_mailbox_key(known: str, lookalike: str) -> None:
    assert mailbox_key(parse_email(known)) == mailbox_key(parse_email(lookalike))


def test_distinct_addresses_have_distinct_keys() -> None:
    assert mailbox_key("ada@example.com") != mailbox_key("eve@example.com")
    assert mailbox_key("ada@example.com") != mailbox_key("ada@example.org")


def test_the_normal_form_is_nfc_so_one_address_typed_two_ways_is_one_mailbox() -> None:
    composed, decomposed = "josé@example.com", "jose\u0301@example.com"
    assert parse_email(decomposed) == composed
    assert may_see_customer(requester(decomposed), parse_email(composed))


def test_the_domain_is_case_insensitive_and_the_owner_sees_their_own_tickets() -> None:
    assert may_see_customer(requester("Ada@EXAMPLE.com"), parse_email("Ada@example.com"))


def test_a_ticket_is_visible_to_staff_and_to_the_requester_it_was_filed_for() -> None:
    ticket = make_ticket(customer_email="ada@example.com")
    agent = Principal(token_id=2, user_id=2, name="agent", role=Role.AGENT)
    assert ticket.visible_to(agent)
    assert ticket.visible_to(requester("ada@EXAMPLE.com"))
    assert not ticket.visible_to(requester("bob@example.com"))
    assert not ticket.visible_to(requester("ad\u0430@example.com"))  # Cyrillic a
