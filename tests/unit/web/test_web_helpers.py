"""The web adapter's small rules: cookie flags, where a login may send the browser back to,
and how a view's filters are read from an address."""

from __future__ import annotations

import pytest
from starlette.responses import Response

from tessera.application.queries import TicketSort
from tessera.bootstrap.settings import Environment, Settings
from tessera.domain.access.principal import Principal, Role
from tessera.domain.tickets.status import Status
from tessera.domain.tickets.values import Priority
from tessera.presentation.web.auth import PageUser, safe_next
from tessera.presentation.web.paths import is_web_path
from tessera.presentation.web.sessions import set_session_cookie
from tessera.presentation.web.views import OPEN_STATUSES, VIEWS_BY_SLUG, Filters


def _cookie(*, secure: bool) -> str:
    response = Response()
    set_session_cookie(response, "s3cret", max_age=60, secure=secure)
    return response.headers["set-cookie"]


def test_the_session_cookie_is_httponly_lax_and_secure_when_asked() -> None:
    secure = _cookie(secure=True)
    plain = _cookie(secure=False)
    for cookie in (secure, plain):
        assert cookie.startswith("tessera_session=s3cret;")
        assert "HttpOnly" in cookie
        assert "SameSite=lax" in cookie
        assert "Path=/" in cookie
    assert "Secure" in secure
    assert "Secure" not in plain


@pytest.mark.parametrize(
    ("env", "secure"),
    [
        (Environment.PRODUCTION, True),
        (Environment.STAGING, True),
        (Environment.DEVELOPMENT, False),
        (Environment.TEST, False),
    ],
)
def test_cookies_are_secure_outside_development_and_test(env: Environment, secure: bool) -> None:
    settings = Settings(env=env, bootstrap_admin_token=None)
    assert settings.secure_cookies is secure


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("/console/views/mine?q=x", "/console/views/mine?q=x"),
        ("https://evil.example/console", "/console"),
        ("//evil.example/console", "/console"),
        ("/console\\@evil.example", "/console"),
        ("/portal", "/console"),
        (None, "/console"),
    ],
)
def test_after_login_only_a_console_path_is_followed(given: str | None, kept: str) -> None:
    assert safe_next(given) == kept


def test_web_paths_are_the_console_the_portal_and_the_static_files() -> None:
    assert is_web_path("/console")
    assert is_web_path("/console/views/mine")
    assert is_web_path("/static/htmx.min.js")
    assert is_web_path("/portal/tickets")
    assert not is_web_path("/consoles")
    assert not is_web_path("/v1/tickets")


USER = PageUser(
    principal=Principal(token_id=0, user_id=7, name="Grace", role=Role.AGENT),
    csrf_token="t",
    groups=frozenset({3, 4}),
)


def test_filters_narrow_the_views_query() -> None:
    filters = Filters.parse(
        {
            "q": " printer ",
            "status": "pending",
            "priority": "high",
            "group": "3",
            "sort": "priority",
        }
    )
    query = filters.applied(VIEWS_BY_SLUG["my-groups"], USER)
    assert query.q == "printer"
    assert query.statuses == (Status.PENDING,)
    assert query.priority is Priority.HIGH
    assert query.group_ids == frozenset({3})
    assert query.sort is TicketSort.PRIORITY
    assert query.limit == 50


def test_a_group_filter_outside_my_groups_matches_nothing_in_my_groups() -> None:
    query = Filters.parse({"group": "9"}).applied(VIEWS_BY_SLUG["my-groups"], USER)
    assert query.group_ids == frozenset()


def test_unreadable_filters_are_left_out() -> None:
    filters = Filters.parse(
        {"status": "burning", "priority": "x", "group": "-1", "assignee": "7; drop", "sort": "?"}
    )
    assert filters == Filters()
    query = filters.applied(VIEWS_BY_SLUG["all-open"], USER)
    assert query.statuses == OPEN_STATUSES
    assert query.sort is TicketSort.CREATED_AT_DESC


def test_assignee_filters_mean_me_nobody_or_a_person() -> None:
    view = VIEWS_BY_SLUG["all-open"]
    assert Filters.parse({"assignee": "me"}).applied(view, USER).assignee_id == 7
    nobody = Filters.parse({"assignee": "none"}).applied(view, USER)
    assert nobody.unassigned and nobody.assignee_id is None
    assert Filters.parse({"assignee": "12"}).applied(view, USER).assignee_id == 12


def test_the_query_string_keeps_the_filters_and_drops_what_is_empty() -> None:
    filters = Filters.parse({"q": "a b", "status": "open"})
    assert filters.query_string() == "q=a+b&status=open"
    assert filters.query_string(cursor="c1") == "q=a+b&status=open&cursor=c1"
    assert filters.query_string(q=None) == "status=open"
