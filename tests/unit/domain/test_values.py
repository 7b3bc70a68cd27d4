"""Value objects: the seed's CreateTicketSchema rules, enforced in the domain too."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tessera.domain.access.mailboxes import parse_email
from tessera.domain.errors import DomainValidationError
from tessera.domain.tickets.values import (
    parse_description,
    parse_priority,
    parse_tag,
    parse_tags,
    parse_title,
)


def test_title_is_trimmed() -> None:
    assert parse_title("  Printer on fire \n") == "Printer on fire"


@pytest.mark.parametrize("raw", ["", "   ", "\t\n", "x" * 201])
def test_blank_or_overlong_titles_are_refused(raw: str) -> None:
    with pytest.raises(DomainValidationError) as caught:
        parse_title(raw)
    assert caught.value.errors[0].field == "title"


def test_a_title_of_exactly_200_characters_is_accepted() -> None:
    assert len(parse_title("x" * 200)) == 200


@pytest.mark.parametrize(
    ("raw", "ok"), [("x" * 9, False), ("x" * 10, True), ("x" * 5000, True), ("x" * 5001, False)]
)
def test_description_length_bounds(raw: str, ok: bool) -> None:
    if ok:
        assert parse_description(raw) == raw
    else:
        with pytest.raises(DomainValidationError):
            parse_description(raw)


def test_email_domain_is_lower_cased_but_local_part_kept() -> None:
    assert parse_email(" Ada.Lovelace@Example.COM ") == "Ada.Lovelace@example.com"


@pytest.mark.parametrize("raw", ["", "ada", "ada@", "@example.com", "a b@example.com", "ada@host"])
def test_malformed_emails_are_refused(raw: str) -> None:
    with pytest.raises(DomainValidationError):
        parse_email(raw)


def test_tags_are_normalised_to_a_set_of_slugs() -> None:
    assert parse_tags(["Billing", "billing", " vip "]) == frozenset({"billing", "vip"})


@pytest.mark.parametrize("raw", ["", "two words", "émoji", "-lead", "trail-", "x" * 51])
def test_bad_tags_are_refused(raw: str) -> None:
    with pytest.raises(DomainValidationError):
        parse_tag(raw)


def test_at_most_twenty_tags() -> None:
    parse_tags([f"t{i}" for i in range(20)])
    with pytest.raises(DomainValidationError):
        parse_tags([f"t{i}" for i in range(21)])


def test_unknown_priority_is_refused() -> None:
    with pytest.raises(DomainValidationError) as caught:
        parse_priority("urgent")
    assert caught.value.errors[0].field == "priority"


@given(st.text(max_size=300))
def test_title_parsing_never_fails_other_than_by_validation(raw: str) -> None:
    try:
        title = parse_title(raw)
    except DomainValidationError:
        assert not raw.strip() or len(raw.strip()) > 200
    else:
        assert title == raw.strip()
        assert 1 <= len(title) <= 200
