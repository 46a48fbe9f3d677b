"""The dataflow graph: frozen records of datasets and flows (expectations are quality rules), and its checks.

Decorators record, runners run: ``lakehouse.dp`` only registers these dataclasses into the
active :class:`Registry`; :func:`validate` checks the graph without Spark (given each flow's
inputs) and :func:`order` gives the datasets in dependency order.

Example:
    >>> reg = Registry()
    >>> reg.add_dataset(Dataset("raw", "table"))
    >>> reg.add_flow(Flow("raw", "raw", query=lambda: None))
    >>> reg.add_dataset(Dataset("clean", "materialized_view"))
    >>> reg.add_flow(Flow("clean", "clean", query=lambda: None))
    >>> order(reg, {"raw": set(), "clean": {"raw"}})
    ['raw', 'clean']
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

from ..quality.rules import Rule, rule_problem
from .errors import PipelineDefinitionError, PipelineGraphError

KINDS = ("table", "materialized_view", "temporary_view")


def expectation(name: str, constraint: str, action: str) -> Rule:
    """One expectation of a dataset: a :class:`lakehouse.quality.Rule` whose check is SQL.

    The decorators give the action their name says (``expect`` warn, ``expect_or_drop`` drop,
    ``expect_or_fail`` fail: https://docs.databricks.com/aws/en/ldp/expectations); the
    constraint is a SQL boolean expression (Databricks: no Python function in a constraint).

    Raises:
        PipelineDefinitionError: an empty name, a constraint that is not a SQL string, an unknown action.

    Example:
        >>> expectation("positive", "amount > 0", "warn")
        Rule(name='positive', expression='amount > 0', action='warn', description='', metadata={})
    """
    problem = rule_problem(name, constraint, action, noun="expectation", sql_only=True)
    if problem:
        raise PipelineDefinitionError(problem)
    return Rule(name, constraint, action)


@dataclass(frozen=True)
class Dataset:
    """A table (streaming table or materialized view) or a temporary view of the pipeline."""

    name: str
    kind: str
    comment: str | None = None
    expectations: tuple[Rule, ...] = ()  # lakehouse.quality rules, one per @dp.expect*
    table_properties: tuple[tuple[str, str], ...] = ()
    partition_cols: tuple[str, ...] | None = None
    cluster_by: tuple[str, ...] | None = None
    schema: Any = None
    streaming: bool | None = None  # True for create_streaming_table; None: decided by the query
    source: str = "<unknown>"  # file:line where it was defined
    private: bool = False  # private=True / CREATE PRIVATE ...: read inside the pipeline, not published


@dataclass(frozen=True)
class Flow:
    """A query that writes into a dataset (``target``); ``query`` returns a DataFrame."""

    name: str
    target: str
    query: Callable[[], Any] | None = None
    once: bool = False
    cdc: Any = None  # the keyword arguments of create_auto_cdc_flow (a frozen mapping)
    cdc_source: str | None = None
    spark_conf: tuple[tuple[str, str], ...] = ()
    source: str = "<unknown>"


@dataclass
class Registry:
    """What pipeline source files declared (datasets and flows by name), in declaration order."""

    datasets: dict = field(default_factory=dict)
    flows: dict = field(default_factory=dict)

    def add_dataset(self, dataset: Dataset) -> None:
        """Record a dataset; a second dataset of the same name is a graph error."""
        key = dataset.name.lower()
        if key in self.datasets:
            raise PipelineGraphError(
                f"dataset {dataset.name!r} is defined twice: at {self.datasets[key].source} and at {dataset.source}.",
                fix="give each dataset its own name (name=...).")
        self.datasets[key] = dataset

    def add_flow(self, flow: Flow) -> None:
        """Record a flow; a second flow of the same name is a graph error."""
        key = flow.name.lower()
        if key in self.flows:
            raise PipelineGraphError(
                f"flow {flow.name!r} is defined twice: at {self.flows[key].source} and at {flow.source}.",
                fix="name each append_flow (name=...).")
        self.flows[key] = flow

    def flows_into(self, dataset: str) -> list[Flow]:
        """The flows whose target is ``dataset``, in declaration order."""
        return [f for f in self.flows.values() if f.target.lower() == dataset.lower()]


def validate(registry: Registry, inputs: dict[str, set[str]]) -> None:
    """Check the graph before anything runs.

    Args:
        registry: the recorded datasets and flows.
        inputs: for each flow name, the dataset names of this pipeline it reads.

    Raises:
        PipelineGraphError: a flow into an unknown dataset, a dataset with no flow, an
            expectation name repeated on a dataset, or a cycle (the message lists it).

    Example:
        >>> reg = Registry()
        >>> reg.add_dataset(Dataset("a", "materialized_view", source="a.py:3"))
        >>> reg.add_flow(Flow("a", "a", query=lambda: None))
        >>> validate(reg, {"a": {"a"}})
        Traceback (most recent call last):
        ...
        lakehouse.pipelines.errors.PipelineGraphError: [PIPELINE_GRAPH_INVALID] the datasets form a cycle: a -> a.
    """
    for flow in registry.flows.values():
        if flow.target.lower() not in registry.datasets:
            raise PipelineGraphError(f"flow {flow.name!r} ({flow.source}) writes to {flow.target!r}, "
                                     "which no dataset of this pipeline defines.",
                                     fix="declare it first with dp.create_streaming_table(...).")
    for key, ds in registry.datasets.items():
        seen: set[str] = set()
        for e in ds.expectations:
            if e.name in seen:
                raise PipelineGraphError(f"expectation {e.name!r} is declared twice on dataset {ds.name!r} "
                                         f"({ds.source}); an expectation name must be unique per dataset.")
            seen.add(e.name)
        if ds.kind != "temporary_view" and not registry.flows_into(key):
            raise PipelineGraphError(f"dataset {ds.name!r} ({ds.source}) has no flow writing to it.",
                                     fix="add @dp.append_flow(target=...) or dp.create_auto_cdc_flow(target=...).")
    order(registry, inputs)


def dataset_inputs(registry: Registry, inputs: dict[str, set[str]]) -> dict[str, set[str]]:
    """For each dataset (lower-case name), the datasets its flows read."""
    deps: dict[str, set[str]] = {key: set() for key in registry.datasets}
    for flow in registry.flows.values():
        deps[flow.target.lower()] |= {n.lower() for n in inputs.get(flow.name, set())}
    return deps


def order(registry: Registry, inputs: dict[str, set[str]]) -> list[str]:
    """The dataset names in an order where each comes after every dataset it reads.

    Raises:
        PipelineGraphError: the datasets form a cycle.
    """
    deps = dataset_inputs(registry, inputs)
    done: list[str] = []
    state: dict[str, int] = {}

    def visit(node: str, path: list[str]) -> None:
        if state.get(node) == 2:
            return
        if state.get(node) == 1:
            cycle = path[path.index(node):] + [node]
            names = " -> ".join(registry.datasets[n].name for n in cycle)
            raise PipelineGraphError(f"the datasets form a cycle: {names}.")
        state[node] = 1
        for dep in sorted(deps[node]):
            visit(dep, path + [node])
        state[node] = 2
        done.append(node)

    for node in registry.datasets:
        visit(node, [])
    return [registry.datasets[n].name for n in done]
