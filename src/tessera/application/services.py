"""The use cases the outside world may call, gathered for the presentation layer."""

from __future__ import annotations

from dataclasses import dataclass

from tessera.application.comments.add_comment import AddCommentHandler
from tessera.application.comments.get_comment import GetCommentHandler
from tessera.application.comments.list_comments import ListCommentsHandler
from tessera.application.consumers.dead_letters import (
    ListDeadLettersHandler,
    ReplayDeadLetterHandler,
)
from tessera.application.feed.read_events import GetHistoryHandler, ReadFeedHandler
from tessera.application.ports.health import HealthCheck
from tessera.application.tickets.bulk_update import BulkUpdateHandler
from tessera.application.tickets.create_ticket import CreateTicketHandler
from tessera.application.tickets.delete_ticket import DeleteTicketHandler
from tessera.application.tickets.detect_breaches import DetectBreachesHandler
from tessera.application.tickets.get_ticket import GetTicketHandler
from tessera.application.tickets.list_tickets import ListTicketsHandler
from tessera.application.tickets.merge_tickets import MergeTicketsHandler
from tessera.application.tickets.update_ticket import UpdateTicketHandler
from tessera.application.tokens.authenticate import AuthenticateHandler
from tessera.application.tokens.manage_tokens import (
    IssueTokenHandler,
    ListTokensHandler,
    RevokeTokenHandler,
)
from tessera.application.webhooks.manage_webhooks import (
    CreateWebhookHandler,
    DeleteWebhookHandler,
    ListDeliveriesHandler,
    ListWebhooksHandler,
    RedeliverHandler,
)


@dataclass(frozen=True, slots=True, kw_only=True)
class Services:
    authenticate: AuthenticateHandler
    create_ticket: CreateTicketHandler
    get_ticket: GetTicketHandler
    list_tickets: ListTicketsHandler
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
    delete_webhook: DeleteWebhookHandler
    list_deliveries: ListDeliveriesHandler
    redeliver: RedeliverHandler
    ticket_history: GetHistoryHandler
    event_feed: ReadFeedHandler
    list_dead_letters: ListDeadLettersHandler
    replay_dead_letter: ReplayDeadLetterHandler
    health_checks: tuple[HealthCheck, ...] = ()
