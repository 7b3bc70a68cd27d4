"""The use cases the outside world may call, and the one place that builds them over ports."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from tessera.application.attachments.commands import AttachmentLimits
from tessera.application.attachments.get_content import GetAttachmentContentHandler
from tessera.application.attachments.list_attachments import ListTicketAttachmentsHandler
from tessera.application.attachments.sweep_uploads import SweepUploadsHandler
from tessera.application.attachments.upload_file import UploadFileHandler
from tessera.application.comments.add_comment import AddCommentHandler
from tessera.application.comments.get_comment import GetCommentHandler
from tessera.application.comments.list_comments import ListCommentsHandler
from tessera.application.consumers.dead_letters import (
    ListDeadLettersHandler,
    ReplayDeadLetterHandler,
)
from tessera.application.feed.follow_ticket import FollowTicketHandler
from tessera.application.feed.read_events import GetHistoryHandler, ReadFeedHandler
from tessera.application.people.groups import (
    AddMemberHandler,
    CreateGroupHandler,
    GetGroupHandler,
    ListGroupsHandler,
    ListMembersHandler,
    RemoveMemberHandler,
    UpdateGroupHandler,
)
from tessera.application.people.names import UserNamesHandler
from tessera.application.people.organizations import (
    CreateOrganizationHandler,
    GetOrganizationHandler,
    ListOrganizationsHandler,
    UpdateOrganizationHandler,
)
from tessera.application.people.side_load import SideLoadHandler
from tessera.application.people.users import (
    CreateUserHandler,
    GetUserHandler,
    ListUsersHandler,
    UpdateProfileHandler,
    UpdateUserHandler,
)
from tessera.application.ports.clock import Clock
from tessera.application.ports.dead_letters import DeadLetterStore
from tessera.application.ports.events import EventLog
from tessera.application.ports.health import HealthCheck
from tessera.application.ports.live import LiveFeed, PresenceBoard
from tessera.application.ports.login_links import LoginLinkMailer, LoginLinkStore
from tessera.application.ports.passwords import PasswordHasher
from tessera.application.ports.rate_limit import RateLimiter
from tessera.application.ports.storage import BlobStorage
from tessera.application.ports.tickets import TicketReader
from tessera.application.ports.unit_of_work import UnitOfWorkFactory
from tessera.application.ports.web_sessions import WebSessionStore
from tessera.application.ports.webhooks import WebhookStore
from tessera.application.tickets.bulk_update import BulkUpdateHandler
from tessera.application.tickets.create_ticket import CreateTicketHandler
from tessera.application.tickets.delete_ticket import DeleteTicketHandler
from tessera.application.tickets.detect_breaches import DetectBreachesHandler
from tessera.application.tickets.get_ticket import GetTicketHandler
from tessera.application.tickets.list_tickets import CountTicketsHandler, ListTicketsHandler
from tessera.application.tickets.merge_tickets import MergeTicketsHandler
from tessera.application.tickets.sla_countdown import SlaCountdownHandler
from tessera.application.tickets.update_ticket import UpdateTicketHandler
from tessera.application.tokens.authenticate import AuthenticateHandler
from tessera.application.tokens.manage_tokens import (
    IssueTokenHandler,
    ListTokensHandler,
    RevokeTokenHandler,
)
from tessera.application.web_sessions.login_links import (
    DEFAULT_LINK_LIFETIME,
    RedeemLoginLinkHandler,
    RequestLoginLinkHandler,
)
from tessera.application.web_sessions.sessions import (
    LogInHandler,
    LoginLimits,
    LogOutHandler,
    OpenSessionHandler,
    ResolveSessionHandler,
)
from tessera.application.webhooks.manage_webhooks import (
    CreateWebhookHandler,
    DeleteWebhookHandler,
    GetWebhookHandler,
    ListDeliveriesHandler,
    ListWebhooksHandler,
    RedeliverHandler,
    RotateSecretHandler,
    UpdateWebhookHandler,
)
from tessera.domain.tickets.sla import SlaPolicy

DEFAULT_SESSION_LIFETIME = timedelta(hours=12)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    authenticate: AuthenticateHandler
    create_ticket: CreateTicketHandler
    get_ticket: GetTicketHandler
    list_tickets: ListTicketsHandler
    count_tickets: CountTicketsHandler
    update_ticket: UpdateTicketHandler
    delete_ticket: DeleteTicketHandler
    issue_token: IssueTokenHandler
    list_tokens: ListTokensHandler
    revoke_token: RevokeTokenHandler
    add_comment: AddCommentHandler
    list_comments: ListCommentsHandler
    get_comment: GetCommentHandler
    merge_tickets: MergeTicketsHandler
    bulk_update: BulkUpdateHandler
    detect_breaches: DetectBreachesHandler
    create_webhook: CreateWebhookHandler
    list_webhooks: ListWebhooksHandler
    get_webhook: GetWebhookHandler
    update_webhook: UpdateWebhookHandler
    rotate_webhook_secret: RotateSecretHandler
    delete_webhook: DeleteWebhookHandler
    list_deliveries: ListDeliveriesHandler
    redeliver: RedeliverHandler
    ticket_history: GetHistoryHandler
    event_feed: ReadFeedHandler
    list_dead_letters: ListDeadLettersHandler
    replay_dead_letter: ReplayDeadLetterHandler
    create_user: CreateUserHandler
    update_user: UpdateUserHandler
    get_user: GetUserHandler
    list_users: ListUsersHandler
    create_organization: CreateOrganizationHandler
    update_organization: UpdateOrganizationHandler
    get_organization: GetOrganizationHandler
    list_organizations: ListOrganizationsHandler
    create_group: CreateGroupHandler
    update_group: UpdateGroupHandler
    get_group: GetGroupHandler
    list_groups: ListGroupsHandler
    add_member: AddMemberHandler
    remove_member: RemoveMemberHandler
    list_members: ListMembersHandler
    side_load: SideLoadHandler
    upload_file: UploadFileHandler
    attachment_content: GetAttachmentContentHandler
    ticket_attachments: ListTicketAttachmentsHandler
    sweep_uploads: SweepUploadsHandler
    open_session: OpenSessionHandler
    log_in: LogInHandler
    resolve_session: ResolveSessionHandler
    log_out: LogOutHandler
    user_names: UserNamesHandler
    sla_countdown: SlaCountdownHandler
    follow_ticket: FollowTicketHandler
    # Live pages: the feed as it grows (one follower per process; check access first, as
    # event_feed or get_ticket do) and who is on a ticket right now.
    live_feed: LiveFeed
    presence: PresenceBoard
    # The customer portal: log in by a one-time e-mailed link.
    request_login_link: RequestLoginLinkHandler
    redeem_login_link: RedeemLoginLinkHandler
    # People: anyone edits their own profile (PATCH /v1/users/me)
    update_profile: UpdateProfileHandler
    health_checks: tuple[HealthCheck, ...] = ()


def build_services(
    *,
    uow: UnitOfWorkFactory,
    reader: TicketReader,
    event_log: EventLog,
    webhooks: WebhookStore,
    dead_letters: DeadLetterStore,
    clock: Clock,
    sla: SlaPolicy,
    passwords: PasswordHasher,
    storage: BlobStorage,
    attachment_limits: AttachmentLimits,
    web_sessions: WebSessionStore,
    login_limiter: RateLimiter,
    login_limits: LoginLimits = LoginLimits(),  # noqa: B008 - frozen, shared safely
    session_lifetime: timedelta = DEFAULT_SESSION_LIFETIME,
    live_feed: LiveFeed,
    presence: PresenceBoard,
    allow_private_webhooks: bool = False,
    agents_see_their_groups: bool = False,
    health_checks: tuple[HealthCheck, ...] = (),
    # The customer portal: log in by a one-time e-mailed link.
    login_links: LoginLinkStore,
    login_link_mailer: LoginLinkMailer,
    login_link_lifetime: timedelta = DEFAULT_LINK_LIFETIME,
    site_url: str | None = None,
) -> Services:
    """The use cases over whichever adapters the caller chose (production or in memory)."""
    files = attachment_limits.max_per_comment
    scoped = agents_see_their_groups
    lister = ListTicketsHandler(reader=reader, clock=clock, sla=sla)
    open_session = OpenSessionHandler(
        uow=uow,
        store=web_sessions,
        clock=clock,
        lifetime=session_lifetime,
        agents_see_their_groups=scoped,
    )
    return Services(
        authenticate=AuthenticateHandler(uow=uow, agents_see_their_groups=agents_see_their_groups),
        create_ticket=CreateTicketHandler(uow=uow, clock=clock, sla=sla, max_files=files),
        get_ticket=GetTicketHandler(reader=reader),
        list_tickets=lister,
        count_tickets=CountTicketsHandler(lister=lister, reader=reader),
        update_ticket=UpdateTicketHandler(uow=uow, clock=clock, sla=sla),
        delete_ticket=DeleteTicketHandler(uow=uow, clock=clock, storage=storage),
        issue_token=IssueTokenHandler(uow=uow, clock=clock),
        list_tokens=ListTokensHandler(uow=uow),
        revoke_token=RevokeTokenHandler(uow=uow, clock=clock),
        add_comment=AddCommentHandler(uow=uow, clock=clock, sla=sla, max_files=files),
        list_comments=ListCommentsHandler(uow=uow),
        get_comment=GetCommentHandler(thread=ListCommentsHandler(uow=uow)),
        merge_tickets=MergeTicketsHandler(uow=uow, clock=clock, sla=sla),
        bulk_update=BulkUpdateHandler(uow=uow, clock=clock, sla=sla),
        detect_breaches=DetectBreachesHandler(uow=uow, reader=reader, clock=clock),
        create_webhook=CreateWebhookHandler(
            store=webhooks, clock=clock, allow_private=allow_private_webhooks
        ),
        list_webhooks=ListWebhooksHandler(store=webhooks),
        get_webhook=GetWebhookHandler(store=webhooks),
        update_webhook=UpdateWebhookHandler(
            store=webhooks, clock=clock, allow_private=allow_private_webhooks
        ),
        rotate_webhook_secret=RotateSecretHandler(store=webhooks, clock=clock),
        delete_webhook=DeleteWebhookHandler(store=webhooks),
        list_deliveries=ListDeliveriesHandler(store=webhooks),
        redeliver=RedeliverHandler(store=webhooks, clock=clock),
        ticket_history=GetHistoryHandler(log=event_log, reader=reader),
        event_feed=ReadFeedHandler(log=event_log),
        list_dead_letters=ListDeadLettersHandler(store=dead_letters),
        replay_dead_letter=ReplayDeadLetterHandler(store=dead_letters),
        create_user=CreateUserHandler(uow=uow, clock=clock, passwords=passwords),
        update_user=UpdateUserHandler(
            uow=uow, clock=clock, passwords=passwords, sessions=web_sessions
        ),
        get_user=GetUserHandler(uow=uow),
        list_users=ListUsersHandler(uow=uow),
        create_organization=CreateOrganizationHandler(uow=uow, clock=clock),
        update_organization=UpdateOrganizationHandler(uow=uow, clock=clock),
        get_organization=GetOrganizationHandler(uow=uow),
        list_organizations=ListOrganizationsHandler(uow=uow),
        create_group=CreateGroupHandler(uow=uow, clock=clock),
        update_group=UpdateGroupHandler(uow=uow, clock=clock),
        get_group=GetGroupHandler(uow=uow),
        list_groups=ListGroupsHandler(uow=uow),
        add_member=AddMemberHandler(uow=uow, clock=clock),
        remove_member=RemoveMemberHandler(uow=uow, clock=clock),
        list_members=ListMembersHandler(uow=uow),
        side_load=SideLoadHandler(uow=uow),
        upload_file=UploadFileHandler(
            uow=uow, storage=storage, clock=clock, limits=attachment_limits
        ),
        attachment_content=GetAttachmentContentHandler(uow=uow, storage=storage),
        ticket_attachments=ListTicketAttachmentsHandler(uow=uow),
        sweep_uploads=SweepUploadsHandler(uow=uow, storage=storage, clock=clock),
        user_names=UserNamesHandler(uow=uow),
        sla_countdown=SlaCountdownHandler(clock=clock, sla=sla),
        follow_ticket=FollowTicketHandler(reader=reader, log=event_log, live=live_feed),
        open_session=open_session,
        log_in=LogInHandler(
            uow=uow,
            passwords=passwords,
            limiter=login_limiter,
            limits=login_limits,
            open_session=open_session,
        ),
        resolve_session=ResolveSessionHandler(
            uow=uow, store=web_sessions, clock=clock, agents_see_their_groups=scoped
        ),
        log_out=LogOutHandler(store=web_sessions),
        live_feed=live_feed,
        presence=presence,
        # The customer portal: log in by a one-time e-mailed link.
        request_login_link=RequestLoginLinkHandler(
            uow=uow,
            store=login_links,
            mailer=login_link_mailer,
            limiter=login_limiter,
            limits=login_limits,
            clock=clock,
            lifetime=login_link_lifetime,
            site_url=site_url,
        ),
        redeem_login_link=RedeemLoginLinkHandler(
            store=login_links, clock=clock, open_session=open_session
        ),
        # People: anyone edits their own profile (PATCH /v1/users/me)
        update_profile=UpdateProfileHandler(uow=uow, clock=clock),
        health_checks=health_checks,
    )
