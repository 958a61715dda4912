"""The errors a user can meet, in a module with no dependencies, so that the CLI can catch them
without importing pydantic or any backend (start-up stays fast)."""

from __future__ import annotations


class DataError(ValueError):
    """Bad benchmark input. Always names the file, the line (or record) and the field."""

    def __init__(self, path: str | None, line: int | None, field: str | None, message: str):
        self.path, self.line, self.field, self.message = path, line, field, message
        where = str(path) if path else "<data>"
        if line is not None:
            where += f":{line}"
        if field:
            where += f": field '{field}'"
        super().__init__(f"{where}: {message}")


class ModelError(RuntimeError):
    """A model call failed for good (bad request, auth, exhausted retries)."""


class TransientModelError(ModelError):
    """A failure worth retrying: 429, 5xx, timeout, connection reset, garbled body."""

    def __init__(self, message: str, retry_after: float | None = None):
        super().__init__(message)
        self.retry_after = retry_after
