"""The use cases over the chosen adapters, with the cache and tracing decorators applied."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from tessera.application.ports.clock import Clock
from tessera.application.ports.dead_letters import DeadLetterStore
from tessera.application.ports.health import HealthCheck
from tessera.application.ports.login_links import LoginLinkMailer
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.services import Services, build_services
from tessera.application.tokens.authenticate import BootstrapAdminHandler
from tessera.application.web_sessions.sessions import LoginLimits
from tessera.bootstrap.caching import Caches
from tessera.bootstrap.live import Live
from tessera.bootstrap.persistence import Persistence
from tessera.bootstrap.settings import AgentScope, SlaSettings, WebhookSettings, WebSettings
from tessera.bootstrap.settings.mail import MailSettings
from tessera.bootstrap.storage import Storage
from tessera.domain.tickets.calendar import AlwaysOpen, BusinessHours, Calendar
from tessera.domain.tickets.sla import SlaPolicy, SlaTarget
from tessera.infrastructure.cache.tickets import CachedTicketReader
from tessera.infrastructure.cache.tokens import (
    CachingAuthenticateHandler,
    InvalidatingAddMemberHandler,
    InvalidatingRemoveMemberHandler,
    InvalidatingRevokeTokenHandler,
    InvalidatingUpdateOrganizationHandler,
    InvalidatingUpdateProfileHandler,
    InvalidatingUpdateUserHandler,
)
from tessera.infrastructure.email.login_links import (
    MailOffLoginLinkMailer,
    OutgoingLoginLinkMailer,
)
from tessera.infrastructure.passwords import Argon2PasswordHasher
from tessera.infrastructure.persistence.login_links import SqlAlchemyLoginLinkStore
from tessera.infrastructure.persistence.web_sessions import SqlAlchemyWebSessionStore
from tessera.infrastructure.ratelimit.buckets import LocalBuckets
from tessera.infrastructure.telemetry.tracing import traced_services


@dataclass(frozen=True, slots=True, kw_only=True)
class UseCases:
    services: Services
    bootstrap_admin: BootstrapAdminHandler


def build_use_cases(
    webhooks: WebhookSettings,
    *,
    persistence: Persistence,
    caches: Caches,
    live: Live,
    storage: Storage,
    dead_letters: DeadLetterStore,
    clock: Clock,
    sla: SlaPolicy,
    health_checks: tuple[HealthCheck, ...],
    agent_scope: AgentScope = AgentScope.ALL,
    web: WebSettings | None = None,
    rate_limiter: RateLimiter | None = None,
    # The customer portal: its login links go out as mail.
    mail: MailSettings | None = None,
) -> UseCases:
    """``rate_limiter`` also limits logins; without one (rate limiting off) logins are still
    limited, in this process."""
    web = web or WebSettings()
    services = build_services(
        uow=persistence.uow,
        reader=CachedTicketReader(
            persistence.reader, l1=caches.tickets, l2=caches.shared, stats=caches.stats
        ),
        event_log=persistence.event_log,
        webhooks=persistence.webhooks,
        dead_letters=dead_letters,
        clock=clock,
        sla=sla,
        passwords=Argon2PasswordHasher(),
        storage=storage.blobs,
        attachment_limits=storage.limits,
        web_sessions=SqlAlchemyWebSessionStore(persistence.engine),
        login_limiter=rate_limiter or LocalBuckets(),
        login_limits=LoginLimits(
            per_address=web.login_attempts_per_address,
            per_client=web.login_attempts_per_client,
        ),
        session_lifetime=timedelta(hours=web.session_hours),
        live_feed=live.feed,
        presence=live.presence,
        allow_private_webhooks=webhooks.allow_private_targets,
        agents_see_their_groups=agent_scope is AgentScope.GROUPS,
        health_checks=health_checks,
        # The customer portal: log in by a one-time e-mailed link.
        login_links=SqlAlchemyLoginLinkStore(persistence.engine),
        login_link_mailer=login_link_mailer(mail, engine=persistence.engine, clock=clock),
        login_link_lifetime=timedelta(minutes=web.login_link_minutes),
        site_url=web.public_url,
    )
    services = dataclasses.replace(
        services,
        authenticate=CachingAuthenticateHandler(
            services.authenticate, cache=caches.principals, stats=caches.stats
        ),
        revoke_token=InvalidatingRevokeTokenHandler(
            services.revoke_token, invalidator=caches.invalidator
        ),
        update_user=InvalidatingUpdateUserHandler(
            services.update_user, invalidator=caches.invalidator
        ),
        update_organization=InvalidatingUpdateOrganizationHandler(
            services.update_organization, invalidator=caches.invalidator
        ),
        add_member=InvalidatingAddMemberHandler(
            services.add_member, invalidator=caches.invalidator
        ),
        remove_member=InvalidatingRemoveMemberHandler(
            services.remove_member, invalidator=caches.invalidator
        ),
        # People: a profile edit changes the name a cached principal carries
        update_profile=InvalidatingUpdateProfileHandler(
            services.update_profile, invalidator=caches.invalidator
        ),
    )
    services = traced_services(services)
    return UseCases(
        services=services,
        bootstrap_admin=BootstrapAdminHandler(uow=persistence.uow, issue=services.issue_token),
    )


def login_link_mailer(
    mail: MailSettings | None, *, engine: AsyncEngine, clock: Clock
) -> LoginLinkMailer:
    """The portal's login links are queued as outgoing mail while SMTP is configured."""
    if mail is None or not mail.smtp_url:
        return MailOffLoginLinkMailer()
    return OutgoingLoginLinkMailer(engine, mail.identity(), clock=clock, team=mail.team)


def sla_policy(sla: SlaSettings) -> SlaPolicy:
    """The SLA targets and business calendar from the settings, over the defaults."""
    targets = dict(SlaPolicy().targets)
    for priority, (first_response, resolution) in sla.targets.items():
        targets[priority] = SlaTarget(
            first_response=timedelta(minutes=first_response),
            resolution=timedelta(minutes=resolution),
        )
    calendar: Calendar = AlwaysOpen()
    if (hours := sla.business_hours) is not None:
        calendar = BusinessHours(
            timezone=hours.timezone,
            workdays=frozenset(hours.workdays),
            opens=hours.opens,
            closes=hours.closes,
            holidays=frozenset(hours.holidays),
        )
    return SlaPolicy(
        targets=targets, calendar=calendar, at_risk=timedelta(minutes=sla.at_risk_minutes)
    )
