"""The ``dp`` surface: Databricks' ``pyspark.pipelines`` decorators and functions, recorded.

Each decorator validates its arguments, notes where it was applied (file:line) and registers
a frozen :class:`~lakehouse.pipelines.graph.Dataset` / ``Flow`` into the active registry
(:func:`registering`); nothing reads or writes data here. The runner
(:func:`lakehouse.pipelines.run`) executes the graph.

Signatures follow https://docs.databricks.com/aws/en/ldp/developer/python-ref (``table``,
``materialized_view``, ``temporary_view``, ``create_streaming_table``, ``append_flow``,
``create_auto_cdc_flow``) and the expectation decorators of
https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-expectations. Expectation
decorators go *under* the dataset decorator (they run first) and attach to the function.

Example:
    >>> from lakehouse.pipelines.api import registering, table, expect_or_drop
    >>> with registering() as reg:
    ...     @table(comment="orders with an id")
    ...     @expect_or_drop("has_id", "id IS NOT NULL")
    ...     def orders():
    ...         return None
    >>> ds = reg.datasets["orders"]
    >>> ds.kind, [(e.name, e.action) for e in ds.expectations]
    ('table', [('has_id', 'drop')])
"""

from __future__ import annotations

import contextlib
import contextvars
import os
import sys
from types import MappingProxyType

from .errors import PipelineDefinitionError
from ..quality.rules import Rule
from .graph import Dataset, Flow, Registry, expectation

_REGISTRY: contextvars.ContextVar = contextvars.ContextVar("lakehouse_pipeline_registry", default=None)
PIPELINE_SESSION: contextvars.ContextVar = contextvars.ContextVar("lakehouse_pipeline_session", default=None)
"""The session of the pipeline update that is loading its files (the runner sets it)."""
_EXPECTATIONS_ATTR = "__lakehouse_expectations__"
DP_NAMES = ("append_flow", "create_auto_cdc_flow", "create_streaming_table", "expect", "expect_all", "expect_all_or_drop",
            "expect_all_or_fail", "expect_or_drop", "expect_or_fail", "materialized_view", "table", "temporary_view")
"""The names of Databricks' ``pyspark.pipelines`` this module implements (``lakehouse.dp`` locally)."""


@contextlib.contextmanager
def registering(registry: Registry | None = None):
    """Collect what ``dp`` decorators declare inside the block into ``registry`` (or a new one).

    Example:
        >>> with registering() as reg:
        ...     pass
        >>> reg.datasets
        {}
    """
    reg = registry if registry is not None else Registry()
    token = _REGISTRY.set(reg)
    try:
        yield reg
    finally:
        _REGISTRY.reset(token)


def _registry() -> Registry:
    reg = _REGISTRY.get()
    if reg is None:
        raise PipelineDefinitionError(
            "dp decorators record a pipeline's datasets: they run inside a pipeline source file.",
            fix="put the code in a file listed by spark-pipeline.yml's libraries and run "
                "`lakehouse pipelines run --spec spark-pipeline.yml` (or lakehouse.pipelines.run(spec)).")
    return reg


def _where(depth: int = 3) -> str:
    """``file:line`` of the user code that called the decorator."""
    frame = sys._getframe(depth)
    return f"{os.path.basename(frame.f_code.co_filename)}:{frame.f_lineno}"


def _names(value, argument: str):
    if value is None:
        return None
    if isinstance(value, str) or not isinstance(value, (list, tuple)) or not all(isinstance(v, str) for v in value):
        raise PipelineDefinitionError(f"{argument} must be a list of column names, got {value!r}.")
    return tuple(value)


def _str_dict(value, argument: str) -> tuple:
    if value is None:
        return ()
    if not isinstance(value, dict) or not all(isinstance(k, str) and isinstance(v, str) for k, v in value.items()):
        raise PipelineDefinitionError(f"{argument} must be a dict of str to str, got {value!r}.")
    return tuple(value.items())


def _dataset_decorator(kind: str, query_function, name, comment, spark_conf, table_properties=None,
                       partition_cols=None, cluster_by=None, schema=None, where=None, private=False):
    def register(fn):
        if not callable(fn):
            raise PipelineDefinitionError(f"@dp.{kind} decorates a function that returns a DataFrame, "
                                          f"got {type(fn).__name__}.")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise PipelineDefinitionError(f"@dp.{kind}: name must be a non-empty string, got {name!r}.")
        ds_name = name or fn.__name__
        source = where or _where(2)
        reg = _registry()
        reg.add_dataset(Dataset(ds_name, kind, comment=comment,
                                expectations=tuple(reversed(getattr(fn, _EXPECTATIONS_ATTR, ()))),
                                table_properties=_str_dict(table_properties, "table_properties"),
                                partition_cols=_names(partition_cols, "partition_cols"),
                                cluster_by=_names(cluster_by, "cluster_by"), schema=schema, source=source,
                                private=private))
        reg.add_flow(Flow(ds_name, ds_name, query=fn, spark_conf=_str_dict(spark_conf, "spark_conf"), source=source))
        return fn

    if query_function is not None:
        return register(query_function)
    return register


def table(query_function=None, *, name=None, comment=None, spark_conf=None, table_properties=None,
          partition_cols=None, cluster_by=None, schema=None, row_filter=None, private=False, format=None,
          path=None, temporary=False):
    """Declare a table: a streaming table when the query is streaming, else a materialized view.

    Args:
        query_function: the decorated function (returns a DataFrame).
        name: the dataset name (default: the function's name).
        comment, spark_conf, table_properties, partition_cols, cluster_by, schema: as on Databricks.
        private: True for a table read inside the pipeline and not published (kept in the hidden
            schema ``<schema>__pipeline_private``); legacy ``temporary=True`` means the same.
        row_filter: accepted for source compatibility; not applied locally.
        path: refused: pipeline tables are managed tables here (Unity Catalog pipelines do not take it).
        format: ``"delta"`` or None (tables are Delta; open-source ``spark-pipelines`` needs it set).

    Returns:
        The function, unchanged (it is recorded, not run).

    Raises:
        PipelineDefinitionError: a bad argument, or no pipeline is being loaded.

    Example:
        >>> with registering() as reg:
        ...     @table(name="bronze_orders")
        ...     def anything():
        ...         return None
        >>> reg.datasets["bronze_orders"].kind
        'table'
    """
    _format(format)
    _path(path)
    return _dataset_decorator("table", query_function, name, comment, spark_conf, table_properties,
                              partition_cols, cluster_by, schema, where=_where(2) if query_function else None,
                              private=_private(private, temporary))


def materialized_view(query_function=None, *, name=None, comment=None, spark_conf=None, table_properties=None,
                      partition_cols=None, cluster_by=None, schema=None, row_filter=None, private=False,
                      format=None, path=None, temporary=False):
    """Declare a materialized view: recomputed from its batch query on each update.

    Same arguments as :func:`table`.

    Example:
        >>> with registering() as reg:
        ...     @materialized_view
        ...     def daily_totals():
        ...         return None
        >>> reg.datasets["daily_totals"].kind
        'materialized_view'
    """
    _format(format)
    _path(path)
    return _dataset_decorator("materialized_view", query_function, name, comment, spark_conf, table_properties,
                              partition_cols, cluster_by, schema, where=_where(2) if query_function else None,
                              private=_private(private, temporary))


def temporary_view(query_function=None, *, name=None, comment=None, spark_conf=None):
    """Declare a temporary view: not published, computed when a dataset of the pipeline reads it.

    Example:
        >>> with registering() as reg:
        ...     @temporary_view
        ...     def recent():
        ...         return None
        >>> reg.datasets["recent"].kind
        'temporary_view'
    """
    return _dataset_decorator("temporary_view", query_function, name, comment, spark_conf,
                              where=_where(2) if query_function else None)


def create_streaming_table(name, *, comment=None, spark_conf=None, table_properties=None, partition_cols=None,
                           cluster_by=None, schema=None, expect_all=None, expect_all_or_drop=None,
                           expect_all_or_fail=None, row_filter=None, format=None):
    """Declare a streaming table that flows (``append_flow``, ``create_auto_cdc_flow``) write to.

    Args:
        name: the table name.
        expect_all, expect_all_or_drop, expect_all_or_fail: dicts of name -> constraint.
        Other arguments as on Databricks.

    Example:
        >>> with registering() as reg:
        ...     create_streaming_table("customers", expect_all_or_drop={"has_id": "id IS NOT NULL"})
        >>> reg.datasets["customers"].expectations[0].action
        'drop'
    """
    if not isinstance(name, str) or not name.strip():
        raise PipelineDefinitionError(f"create_streaming_table needs a table name (str), got {name!r}.")
    _format(format)
    expectations = (_from_dict(expect_all, "warn", "expect_all") + _from_dict(expect_all_or_drop, "drop",
                    "expect_all_or_drop") + _from_dict(expect_all_or_fail, "fail", "expect_all_or_fail"))
    _registry().add_dataset(Dataset(name, "table", comment=comment, expectations=tuple(expectations),
                                    table_properties=_str_dict(table_properties, "table_properties"),
                                    partition_cols=_names(partition_cols, "partition_cols"),
                                    cluster_by=_names(cluster_by, "cluster_by"), schema=schema, streaming=True,
                                    source=_where(2)))


def append_flow(query_function=None, *, target, name=None, spark_conf=None, comment=None, once=False):
    """Declare a flow that appends its query's rows to the streaming table ``target``.

    Args:
        target: the streaming table (declared with :func:`create_streaming_table` or ``@table``).
        name: the flow name (default: the function's name).
        once: a batch query run once (a backfill); it runs again only on a full refresh.

    Example:
        >>> with registering() as reg:
        ...     create_streaming_table("events")
        ...     @append_flow(target="events", once=True)
        ...     def backfill():
        ...         return None
        >>> reg.flows["backfill"].once
        True
    """
    if not isinstance(target, str) or not target.strip():
        raise PipelineDefinitionError(f"append_flow needs target=<a streaming table name>, got {target!r}.")
    if not isinstance(once, bool):
        raise PipelineDefinitionError(f"append_flow: once must be True or False, got {once!r}.")
    source = _where(2)

    def register(fn):
        if not callable(fn):
            raise PipelineDefinitionError("@dp.append_flow decorates a function that returns a DataFrame.")
        _registry().add_flow(Flow(name or fn.__name__, target, query=fn, once=once,
                                  spark_conf=_str_dict(spark_conf, "spark_conf"), source=source))
        return fn

    return register(query_function) if query_function is not None else register


def create_auto_cdc_flow(target, source, keys, sequence_by, *, ignore_null_updates=False, apply_as_deletes=None,
                         apply_as_truncates=None, column_list=None, except_column_list=None, stored_as_scd_type=1,
                         track_history_column_list=None, track_history_except_column_list=None, name=None,
                         once=False):
    """Declare an AUTO CDC flow from the change feed ``source`` into the streaming table ``target``.

    Semantics and argument rules are those of :func:`lakehouse.cdc.apply_changes` (SCD type 1
    and 2, https://docs.databricks.com/aws/en/ldp/developer/ldp-python-ref-apply-changes);
    they are checked here, so a bad combination fails while the file loads.

    Example:
        >>> with registering() as reg:
        ...     create_streaming_table("customers")
        ...     create_auto_cdc_flow(target="customers", source="customer_changes", keys=["id"],
        ...                          sequence_by="seq", stored_as_scd_type=2)
        >>> reg.flows["customers"].cdc_source, reg.flows["customers"].cdc["stored_as_scd_type"]
        ('customer_changes', 2)
    """
    from ..cdc.errors import CdcError
    from ..cdc.spec import build_spec

    where = _where(2)
    if not isinstance(source, str) or not source.strip():
        raise PipelineDefinitionError(f"create_auto_cdc_flow ({where}): source must be a dataset name, got {source!r}.")
    args = dict(keys=keys, sequence_by=sequence_by, apply_as_deletes=apply_as_deletes,
                apply_as_truncates=apply_as_truncates, column_list=column_list, except_column_list=except_column_list,
                stored_as_scd_type=stored_as_scd_type, track_history_column_list=track_history_column_list,
                track_history_except_column_list=track_history_except_column_list,
                ignore_null_updates=ignore_null_updates)
    try:
        spec = build_spec(target, **args)
    except CdcError as exc:
        raise PipelineDefinitionError(f"create_auto_cdc_flow into {target!r} ({where}): {exc}") from exc
    args["stored_as_scd_type"] = spec.scd_type
    _registry().add_flow(Flow(name or target, target, cdc=MappingProxyType(args), cdc_source=source, once=once,
                              source=where))


def _private(private, temporary) -> bool:
    for argument, value in (("private", private), ("temporary", temporary)):
        if not isinstance(value, bool):
            raise PipelineDefinitionError(f"{argument} must be True or False, got {value!r}.")
    return private or temporary


def _path(value) -> None:
    if value is not None:
        raise PipelineDefinitionError(
            f"path={value!r}: the local runner keeps pipeline tables as managed tables of the pipeline's schema.",
            fix="leave path out (Unity Catalog pipelines manage table storage themselves; "
                "https://docs.databricks.com/aws/en/ldp/developer/python-ref).")


def _format(value) -> None:
    if value is not None and str(value).lower() != "delta":
        raise PipelineDefinitionError(f"format={value!r}: pipeline tables are Delta tables here.",
                                      fix='leave format out or write format="delta".')


# Expectations ---------------------------------------------------------------------------------------------
def _from_dict(expectations, action: str, argument: str) -> list[Rule]:
    if expectations is None:
        return []
    if not isinstance(expectations, dict) or not expectations:
        raise PipelineDefinitionError(f"{argument} takes a non-empty dict of name -> SQL constraint, "
                                      f"got {type(expectations).__name__}.")
    return [expectation(n, c, action) for n, c in expectations.items()]


def _attach(expectations: list[Rule]):
    def decorator(fn):
        if not callable(fn):
            raise PipelineDefinitionError("an expectation decorator goes between @dp.table (or "
                                          "@dp.materialized_view, @dp.temporary_view) and the function.")
        # Decorators apply bottom-up: keep them in reverse so the dataset lists them top-down.
        setattr(fn, _EXPECTATIONS_ATTR, (*getattr(fn, _EXPECTATIONS_ATTR, ()), *reversed(expectations)))
        return fn
    return decorator


def expect(description: str, constraint: str):
    """Keep rows that violate ``constraint``; count passed and failed rows (the "warn" action).

    Example:
        >>> @expect("positive", "amount > 0")
        ... def f(): pass
        >>> f.__lakehouse_expectations__[0].action
        'warn'
    """
    return _attach([expectation(description, constraint, "warn")])


def expect_or_drop(description: str, constraint: str):
    """Drop rows that violate ``constraint`` before they are written; count them."""
    return _attach([expectation(description, constraint, "drop")])


def expect_or_fail(description: str, constraint: str):
    """Stop the update at the first row that violates ``constraint``."""
    return _attach([expectation(description, constraint, "fail")])


def expect_all(expectations: dict):
    """:func:`expect` for each ``name: constraint`` of the dict."""
    return _attach(_from_dict(expectations, "warn", "expect_all"))


def expect_all_or_drop(expectations: dict):
    """:func:`expect_or_drop` for each ``name: constraint`` of the dict."""
    return _attach(_from_dict(expectations, "drop", "expect_all_or_drop"))


def expect_all_or_fail(expectations: dict):
    """:func:`expect_or_fail` for each ``name: constraint`` of the dict."""
    return _attach(_from_dict(expectations, "fail", "expect_all_or_fail"))


# Reading datasets (legacy dlt.read / dlt.read_stream) ------------------------------------------------------
def read(name: str):
    """The batch DataFrame of the dataset ``name`` (legacy ``dlt.read``); inside a pipeline only."""
    return _session().read.table(name)


def read_stream(name: str):
    """The streaming DataFrame of the dataset ``name`` (legacy ``dlt.read_stream``)."""
    return _session().readStream.table(name)


def _session():
    session = PIPELINE_SESSION.get()
    if session is None:
        raise PipelineDefinitionError("dp.read / dlt.read work inside a pipeline's query functions only.",
                                      fix="use spark.read.table(name) outside a pipeline.")
    return session
