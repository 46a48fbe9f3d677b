"""Errors of the declarative pipelines stand-in, one stable ``code`` each.

Example:
    >>> from lakehouse.pipelines.errors import PipelineGraphError, PipelineError
    >>> issubclass(PipelineGraphError, PipelineError), PipelineGraphError.code
    (True, 'PIPELINE_GRAPH_INVALID')
"""

from __future__ import annotations

from ..errors import LakehouseError


class PipelineError(LakehouseError):
    """Root of the pipeline errors."""

    code = "PIPELINE_ERROR"


class PipelineSpecError(PipelineError):
    """The ``spark-pipeline.yml`` is missing, unreadable or has a bad field."""

    code = "PIPELINE_SPEC_INVALID"


class PipelineDefinitionError(PipelineError):
    """A decorator or ``dp`` function got a bad argument, or a source file failed to load
    (the message names the file and line)."""

    code = "PIPELINE_DEFINITION_INVALID"


class PipelineGraphError(PipelineError):
    """The dataflow graph is invalid: a missing input, a cycle, a duplicate name, an
    expectation name repeated on a dataset. Found before anything runs."""

    code = "PIPELINE_GRAPH_INVALID"


class ExpectationFailedError(PipelineError):
    """An ``expect_or_fail`` expectation was violated: the update stopped."""

    code = "EXPECTATION_FAILED"

    def __init__(self, message: str, *, expectation: str, dataset: str, row: str | None = None,
                 fix: str | None = None):
        self.expectation, self.dataset, self.row = expectation, dataset, row
        super().__init__(message, fix=fix)


class FlowFailedError(PipelineError):
    """A flow failed while it ran (the message has Spark's first line)."""

    code = "PIPELINE_FLOW_FAILED"
