"""Token use cases: issue, authenticate, revoke, bootstrap."""

from __future__ import annotations

import pytest

from tessera.application.errors import ForbiddenError, UnauthenticatedError
from tessera.application.tokens.authenticate import BootstrapAdminHandler
from tessera.application.tokens.manage_tokens import IssueToken
from tessera.domain.errors import DomainValidationError
from tests.unit.application.conftest import App


async def test_a_token_authenticates_until_it_is_revoked(app: App) -> None:
    admin = await app.principal("admin")
    issued = await app.services.issue_token(IssueToken(name="Grace", role="agent"), principal=admin)
    assert issued.secret.startswith("tsr_")
    assert len(issued.secret) > 40
    assert issued.secret not in {t.token_hash for t in app.store.tokens.values()}
    agent = await app.services.authenticate(issued.secret)
    assert agent.role == "agent"
    assert agent.name == "Grace"
    await app.services.revoke_token(issued.token.id, principal=admin)
    with pytest.raises(UnauthenticatedError):
        await app.services.authenticate(issued.secret)


async def test_only_admins_manage_tokens(app: App) -> None:
    agent = await app.principal("agent")
    with pytest.raises(ForbiddenError):
        await app.services.issue_token(IssueToken(name="x", role="admin"), principal=agent)


async def test_requester_tokens_need_an_email(app: App) -> None:
    with pytest.raises(DomainValidationError) as caught:
        await app.services.issue_token(IssueToken(name="x", role="requester"), principal=None)
    assert caught.value.errors[0].field == "email"


@pytest.mark.parametrize("secret", [None, "", "tsr_unknown"])
async def test_missing_or_unknown_secrets_are_unauthenticated(app: App, secret: str | None) -> None:
    with pytest.raises(UnauthenticatedError):
        await app.services.authenticate(secret)


async def test_the_bootstrap_admin_is_created_once_with_the_given_secret(app: App) -> None:
    bootstrap = BootstrapAdminHandler(
        uow=app.services.issue_token._uow, issue=app.services.issue_token
    )
    first = await bootstrap(secret="tsr_chosen-by-the-operator-0123456789abcdef")
    assert first is not None
    assert first.secret == "tsr_chosen-by-the-operator-0123456789abcdef"
    assert await bootstrap(secret=None) is None
    principal = await app.services.authenticate(first.secret)
    assert principal.role == "admin"
    admin = app.store.users[principal.user_id]
    assert (admin.role, admin.active, first.token.user_id) == ("admin", True, admin.id)


async def test_token_list_pages_through_every_token(app: App) -> None:
    admin = await app.principal("admin")
    for i in range(4):
        await app.services.issue_token(IssueToken(name=f"t{i}", role="agent"), principal=admin)
    first = await app.services.list_tokens(principal=admin, after_id=0, limit=3)
    assert first.next_cursor is not None
    second = await app.services.list_tokens(
        principal=admin, after_id=int(first.next_cursor), limit=3
    )
    assert [t.id for t in first.items + second.items] == [1, 2, 3, 4, 5]
    assert second.next_cursor is None
