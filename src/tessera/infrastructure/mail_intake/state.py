"""The intakes' connection state, per mailbox, for ``/readyz`` (degraded, never failed: mail
waits on the server while Tessera cannot read it) and the metrics of what came in."""

from __future__ import annotations

from dataclasses import dataclass, field

from prometheus_client import Counter

from tessera.application.ports.health import CheckResult, Health

MAIL_MESSAGES = Counter(
    "tessera_mail_messages",
    "Inbound mail by stage: received, then threaded, created, ignored or failed",
    ["stage"],
)
_STAGES = {
    "created_ticket": "created",
    "added_comment": "threaded",
    "ignored_auto_reply": "ignored",
    "failed": "failed",
}


def record_received() -> None:
    MAIL_MESSAGES.labels(stage="received").inc()


def record_outcome(outcome: str) -> None:
    stage = _STAGES.get(outcome)
    if stage is not None:
        MAIL_MESSAGES.labels(stage=stage).inc()


@dataclass
class IntakeState:
    """Mailbox id -> the last connection error (None: connected)."""

    errors: dict[int, str | None] = field(default_factory=dict)

    def connected(self, mailbox_id: int) -> None:
        self.errors[mailbox_id] = None

    def failed(self, mailbox_id: int, error: str) -> None:
        self.errors[mailbox_id] = error

    def forget(self, mailbox_id: int) -> None:
        self.errors.pop(mailbox_id, None)


class IntakeHealthCheck:
    def __init__(self, state: IntakeState) -> None:
        self._state = state

    async def check(self) -> CheckResult:
        failing = {str(k): v for k, v in sorted(self._state.errors.items()) if v is not None}
        if failing:
            return CheckResult(
                "mailboxes", Health.DEGRADED, "mailbox_unreachable", {"mailboxes": failing}
            )
        return CheckResult("mailboxes", Health.OK, details={"connected": len(self._state.errors)})
