"""Domain errors: services raise these, views and the API turn them into responses."""


class DomainError(Exception):
    """A rule of the domain refused the action; the message is shown to the user."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(DomainError):
    """The object does not exist or lies outside the actor's scope (the two are not told apart)."""


class PermissionDenied(DomainError):
    """The actor may see the object but may not change it."""


class ImportFileRejected(DomainError):
    """The file as a whole cannot be imported (size, type, header, no rows)."""
