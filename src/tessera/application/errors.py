"""Application errors: each has a machine code; presentation alone maps codes to HTTP statuses."""

from __future__ import annotations

from tessera.domain.errors import TesseraError


class NotFoundError(TesseraError):
    code = "not_found"


class TicketNotFoundError(NotFoundError):
    code = "ticket_not_found"

    def __init__(self, ticket_id: int) -> None:
        super().__init__(f"Ticket {ticket_id} not found", details={"id": ticket_id})


class CommentNotFoundError(NotFoundError):
    code = "comment_not_found"

    def __init__(self, comment_id: int) -> None:
        super().__init__(f"Comment {comment_id} not found", details={"id": comment_id})


class TokenNotFoundError(NotFoundError):
    code = "token_not_found"

    def __init__(self, token_id: int) -> None:
        super().__init__(f"Token {token_id} not found", details={"id": token_id})


class UserNotFoundError(NotFoundError):
    code = "user_not_found"

    def __init__(self, user_id: int) -> None:
        super().__init__(f"User {user_id} not found", details={"id": user_id})


class OrganizationNotFoundError(NotFoundError):
    code = "organization_not_found"

    def __init__(self, organization_id: int) -> None:
        super().__init__(
            f"Organization {organization_id} not found", details={"id": organization_id}
        )


class GroupNotFoundError(NotFoundError):
    code = "group_not_found"

    def __init__(self, group_id: int) -> None:
        super().__init__(f"Group {group_id} not found", details={"id": group_id})


class UnauthenticatedError(TesseraError):
    code = "unauthenticated"

    def __init__(self, message: str = "A valid bearer token is required") -> None:
        super().__init__(message)


class ForbiddenError(TesseraError):
    code = "forbidden"

    def __init__(self, message: str = "Your role may not do this") -> None:
        super().__init__(message)


class ConflictError(TesseraError):
    """The stored state moved on while this change was being made (optimistic concurrency)."""

    code = "conflict"


class PreconditionFailedError(TesseraError):
    code = "precondition_failed"

    def __init__(self, *, expected: int, actual: int | None) -> None:
        super().__init__(
            "The ticket has changed since the given ETag",
            details={"expected_version": expected, "current_version": actual},
        )


class ServiceUnavailableError(TesseraError):
    code = "service_unavailable"


class EmailTakenError(ConflictError):
    """Another user has this address (letter case aside)."""

    def __init__(self) -> None:
        super().__init__(
            "A user with this e-mail address already exists",
            details=[{"field": "email", "message": "is taken"}],
        )


class DomainTakenError(ConflictError):
    """A domain names one organization at most."""

    def __init__(self, domain: str) -> None:
        super().__init__(
            f"The domain {domain} belongs to another organization",
            details=[{"field": "domains", "message": f"{domain} is taken"}],
        )


class RateLimitedError(TesseraError):
    """Too many attempts (a login); ``retry_after_seconds`` until one is allowed again."""

    code = "rate_limited"

    def __init__(self, message: str, *, retry_after_seconds: int) -> None:
        super().__init__(message, details={"retry_after_seconds": retry_after_seconds})
        self.retry_after_seconds = retry_after_seconds
