"""The resolved dataflow graph of one update: its elements, each flow's inputs, what streams, the order.

:func:`build_graph` is where pipeline sources become a graph, in two steps with a seam between:

1. **load**: :func:`lakehouse.pipelines.loader.load_files` turns the spec's source files into
   graph elements (:class:`~lakehouse.pipelines.graph.Dataset` and ``Flow`` records in a
   :class:`~lakehouse.pipelines.graph.Registry`); it picks a front end by file suffix (``.py``,
   ``.sql``), each yielding the same records;
2. **resolve** (:func:`resolve`): each flow's query is called once on a discovering
   :class:`~lakehouse.pipelines.resolve.PipelineSession` to learn the datasets it reads and
   whether it streams; external tables must exist; the graph is validated and ordered.

Nothing after the load step knows which front end produced an element: the runner, the
scheduler and the writers read only the records and this resolved graph.

Example:
    >>> from lakehouse.pipelines.graph import Dataset, Flow, Registry
    >>> reg = Registry()
    >>> reg.add_dataset(Dataset("orders", "table"))
    >>> reg.add_flow(Flow("orders", "orders"))
    >>> graph = DataflowGraph(None, reg, {"orders": set()}, {"orders": True}, None, ["orders"])
    >>> graph.kind(reg.datasets["orders"]), graph.flow_type(reg.flows["orders"])
    ('streaming table', 'STREAMING')
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass

from .api import PIPELINE_SESSION
from .errors import PipelineError, PipelineGraphError
from .graph import Registry, order, validate
from .loader import load_files
from .failure_text import underlying
from .resolve import PipelineSession, table_name
from .writers import view_frame


@dataclass
class DataflowGraph:
    """The graph one update runs: ``registry`` (the elements), ``inputs`` (flow name -> dataset keys
    it reads), ``streaming`` (flow name -> reads a stream), the discovering/running ``session`` and
    the dataset ``order`` (each after what it reads)."""

    spec: object
    registry: Registry
    inputs: dict
    streaming: dict
    session: PipelineSession
    order: list

    def is_streaming_table(self, ds) -> bool:
        """A table written by streams: declared so, or a ``@dp.table`` whose query streams."""
        if ds.streaming:
            return True
        return ds.kind == "table" and any(self.streaming[f.name] for f in self.registry.flows_into(ds.name))

    def kind(self, ds) -> str:
        """``streaming table``, ``materialized view`` or ``temporary view``."""
        if ds.kind == "temporary_view":
            return "temporary view"
        return "streaming table" if self.is_streaming_table(ds) else "materialized view"

    def flow_type(self, flow) -> str:
        """The event log's ``flow_type``: ``AUTO_CDC``, ``APPEND_ONCE``, ``STREAMING`` or ``COMPLETE``."""
        if flow.cdc is not None:
            return "AUTO_CDC"
        if flow.once:
            return "APPEND_ONCE"
        return "STREAMING" if self.streaming[flow.name] else "COMPLETE"

    def table_name(self, ds) -> str:
        """The ``catalog.schema.table`` of ``ds`` (a private dataset's is in a hidden schema)."""
        return table_name(ds, self.spec.catalog, self.spec.schema)

    def checkpoint(self, ds, flow) -> str:
        """The checkpoint folder of ``flow`` into ``ds`` under the pipeline's storage."""
        return os.path.join(self.spec.storage, "checkpoints", ds.name, flow.name)

    def reads(self, name: str) -> list:
        """The dataset names the flows into ``name`` read, sorted."""
        return sorted(set().union(*[self.inputs[f.name] for f in self.registry.flows_into(name)] or [set()]))

    def flows(self) -> tuple:
        """Each flow as ``{name, target, type, inputs, cdc}`` (``UpdateResult.flows``)."""
        datasets = self.registry.datasets
        return tuple({"name": f.name, "target": datasets[f.target.lower()].name, "type": self.flow_type(f),
                      "inputs": tuple(sorted(datasets[k].name for k in self.inputs[f.name])),
                      "cdc": dict(f.cdc) if f.cdc is not None else None} for f in self.registry.flows.values())

    def kinds(self) -> dict:
        """``{dataset name: kind}`` (``UpdateResult.kinds``)."""
        return {d.name: self.kind(d) for d in self.registry.datasets.values()}


def build_graph(spec, spark) -> DataflowGraph:
    """Load the spec's source files (the front ends) and resolve them into a :class:`DataflowGraph`.

    Raises:
        PipelineDefinitionError: a source file does not load (file and line).
        PipelineGraphError: no dataset, an unknown input, a cycle, a repeated name.
    """
    session = PipelineSession(spark, datasets={}, catalog=spec.catalog, schema=spec.schema, mode="discover")
    registry = load_files(spec.source_files(), spark=session, spec=spec)
    if not registry.datasets:
        raise PipelineGraphError(f"pipeline {spec.name!r} defines no dataset: its libraries match "
                                 f"{len(spec.source_files())} files.", fix=f"check libraries in {spec.path}.")
    return resolve(spec, spark, registry, session)


def resolve(spec, spark, registry: Registry, session: PipelineSession) -> DataflowGraph:
    """The graph of ``registry``: each flow's inputs discovered on ``session``, validated, ordered.

    Raises:
        PipelineGraphError: a query fails before it read anything, an external table is missing,
            or :func:`~lakehouse.pipelines.graph.validate` fails.
    """
    session._datasets = registry.datasets
    session._views = {k: functools.partial(view_frame, registry, k)
                      for k, d in registry.datasets.items() if d.kind == "temporary_view"}
    inputs, streaming = {}, {}
    for flow in registry.flows.values():
        session.reads = type(session.reads)()
        if flow.cdc is not None:
            key = session.dataset_of(flow.cdc_source)
            (session.reads.datasets.add(key) if key else session.reads.external.add(flow.cdc_source))
            session.reads.streaming = True
        else:
            _discover(session, flow)
        inputs[flow.name] = set(session.reads.datasets)
        streaming[flow.name] = session.reads.streaming
        _check_external(spark, flow, session.reads.external)
    validate(registry, inputs)
    return DataflowGraph(spec, registry, inputs, streaming, session, order(registry, inputs))


def _discover(session: PipelineSession, flow) -> None:
    """Call the flow's query once on the discovering session (its reads are recorded there)."""
    token = PIPELINE_SESSION.set(session)
    try:
        flow.query()
    except PipelineError:
        raise
    except Exception as exc:
        if not session.reads.datasets:  # nothing learnt: report it with the file and line
            raise PipelineGraphError(f"flow {flow.name!r} ({flow.source}) failed while its inputs were "
                                     f"resolved: {type(exc).__name__}: {underlying(exc)}") from exc
        # It read pipeline datasets, then looked at a placeholder's schema: those reads are its inputs.
    finally:
        PIPELINE_SESSION.reset(token)


def _check_external(spark, flow, names) -> None:
    for name in sorted(names):
        if not spark.catalog.tableExists(name):
            raise PipelineGraphError(
                f"flow {flow.name!r} ({flow.source}) reads {name!r}: no dataset of this pipeline and no table "
                "has that name.", fix="define the dataset in a pipeline file, or fix the name.")
