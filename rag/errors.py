"""The error hierarchy. Every error a user can cause or fix is a RagError with a message that says what to do."""

from __future__ import annotations


class RagError(Exception):
    """Base of paper-rag's errors; the CLI prints its message as one line and exits 1."""


class ConfigError(RagError):
    """A setting is missing or wrong; the message names the variable or flag to set."""


class IndexEmptyError(RagError):
    """The collection holds no papers yet."""

    def __init__(self, collection: str) -> None:
        super().__init__(f"the collection {collection!r} is empty - run 'paper-rag ingest' first")


class InputError(RagError):
    """A file or record could not be read; names the file and the line or record."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        where = f"{path}:{line}" if line is not None else path
        super().__init__(f"{where}: {message}")
        self.path = path
        self.line = line
        self.reason = message


class StoreError(RagError):
    """The vector store could not be reached or used."""


class BackendError(RagError):
    """An LLM or embedding backend failed. ``retryable`` says whether trying again may help."""

    retryable: bool = False

    def __init__(self, message: str, *, retryable: bool | None = None) -> None:
        super().__init__(message)
        if retryable is not None:
            self.retryable = retryable


class DeadlineExceededError(BackendError):
    """An LLM backend did not finish an answer within PAPER_RAG_LLM__DEADLINE_S (retrying won't make it faster)."""


class RateLimitError(BackendError):
    retryable = True


class BackendTimeoutError(BackendError):
    retryable = True


class AuthenticationError(BackendError):
    retryable = False


class ModelNotFoundError(BackendError):
    retryable = False


class ContextWindowExceededError(BackendError):
    retryable = False


class MalformedReplyError(BackendError):
    """The endpoint answered, but not in the OpenAI wire format (bad JSON, not UTF-8, missing fields)."""

    retryable = False
