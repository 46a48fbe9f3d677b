"""Lakeflow Declarative Pipelines (formerly Delta Live Tables) on the shared local engine.

Pipeline files are written as on Databricks: Python with ``from pyspark import pipelines as dp``
(or legacy ``import dlt``; locally both give :mod:`lakehouse.dp`, the API with expectations) and
SQL (``CREATE OR REFRESH STREAMING TABLE ...``, :mod:`.sql_files`); this package runs them:

* :func:`run` — one update of a ``spark-pipeline.yml`` (validate, then run in dependency
  order; incremental streaming tables, recomputed materialized views, AUTO CDC, expectations);
* :func:`dry_run` — load and validate only;
* :func:`event_log` — the pipeline's event log (a Delta table with Databricks' columns);
* :func:`load_spec` — read the spec; :func:`plot_graph` — the dataset graph as a picture.

Command line: ``lakehouse pipelines run|dry-run --spec PATH``.

Example:
    >>> from lakehouse import pipelines
    >>> sorted(pipelines.__all__)[:3]
    ['DatasetResult', 'ExpectationFailedError', 'FlowFailedError']
"""

from .errors import (ExpectationFailedError, FlowFailedError, PipelineDefinitionError, PipelineError,
                     PipelineGraphError, PipelineSpecError)
from .picture import plot_graph
from .runner import DatasetResult, UpdateResult, dry_run, run
from .spec import PipelineSpec, load_spec


def event_log(spec, *, spark=None):
    """The event log of the pipeline ``spec`` as a DataFrame (Databricks' columns; ``details`` is JSON).

    Args:
        spec: the ``spark-pipeline.yml`` path (or its folder, or a loaded spec).
        spark: the session (default :func:`lakehouse.get_spark`).

    Raises:
        PipelineError: the pipeline has not run yet (no event log).

    Example:
        >>> event_log("spark-pipeline.yml").where("event_type = 'flow_progress'")   # doctest: +SKIP
    """
    import os

    from ..runtime.session import get_spark
    from .event_log import event_log_path

    path = event_log_path(load_spec(spec).storage)
    if not os.path.isdir(os.path.join(path, "_delta_log")):
        raise PipelineError(f"no event log at {path}: the pipeline has not run yet.",
                            fix="run it first: lakehouse.pipelines.run(spec).")
    return (spark or get_spark()).read.format("delta").load(path)


__all__ = ["DatasetResult", "ExpectationFailedError", "FlowFailedError", "PipelineDefinitionError", "PipelineError",
           "PipelineGraphError", "PipelineSpec", "PipelineSpecError", "UpdateResult", "dry_run", "event_log",
           "load_spec", "plot_graph", "run"]
