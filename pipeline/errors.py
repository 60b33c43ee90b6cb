"""Typed, located errors. Every failure the CLI reports is one of these."""

from __future__ import annotations


class PipelineError(Exception):
    """A document could not be processed. ``str(err)`` is one line: source and reason."""

    stage = "pipeline"

    def __init__(self, reason: str, *, source: str | None = None, offset: int | None = None,
                 rule: str | None = None) -> None:
        super().__init__(reason)
        self.reason = reason
        self.source = source
        self.offset = offset
        self.rule = rule

    def __str__(self) -> str:
        where = self.source or "<input>"
        at = f" (at offset {self.offset})" if self.offset is not None else ""
        return f"{where}: {self.stage}: {self.reason}{at}"


class ReadError(PipelineError):
    stage = "read"


class FetchError(PipelineError):
    stage = "fetch"


class DecodeError(PipelineError):
    stage = "decode"


class ContentError(PipelineError):
    """The input decodes but holds no usable text (empty, binary, not a notice)."""

    stage = "content"


class OutlineError(PipelineError):
    stage = "outline"


class NoTasksError(OutlineError):
    """The document has no task items (not a breakdown notice)."""


class WriteError(PipelineError):
    stage = "write"


class TimeBudgetError(PipelineError):
    """A document was not done within the batch's per-document time budget (``--doc-timeout``)."""

    stage = "time budget"


class CompareError(PipelineError):
    stage = "compare"


class RulesError(Exception):
    """A rule file is invalid: names the file and the key."""

    def __init__(self, path: str, key: str, reason: str) -> None:
        super().__init__(f"{path}: {key}: {reason}")
        self.path = path
        self.key = key
        self.reason = reason


class ExportError(PipelineError):
    stage = "export"
