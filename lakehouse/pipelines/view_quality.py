"""Expectations of temporary views, counted in the flow that reads the view.

A temporary view is not written: its query runs inside each flow that reads it, and so do its
expectations. Databricks reports them in the event log like any dataset's, which is why each
``data_quality.expectations`` entry names its ``dataset``
(https://docs.databricks.com/aws/en/ldp/monitor-event-log-schema, ``flow_progress``): here the
``flow_progress`` event of the reading flow lists the view's expectations, with the view as
``dataset``, next to its own.

While a flow builds and runs its query (:func:`counting`), :func:`observe_view` attaches the
counts to each view it reads: an ``observe`` on a stream, one aggregate over a local checkpoint
on a batch read; :func:`view_reports` turns them into report entries.

Example:
    >>> from lakehouse.pipelines.graph import Dataset, expectation
    >>> view = Dataset("v", "temporary_view", expectations=(expectation("has_id", "id IS NOT NULL", "drop"),))
    >>> with counting() as seen:
    ...     seen.append((view, {"__rows": 4, "__failed_0": 1, "__dropped": 1}))
    ...     view_reports(seen)
    [{'name': 'has_id', 'dataset': 'v', 'passed_records': 3, 'failed_records': 1}]
"""

from __future__ import annotations

import contextlib
import contextvars
import uuid

from .expectations import metric_columns, metric_names, quality_report
from .metrics import sum_observed

_SEEN: contextvars.ContextVar = contextvars.ContextVar("lakehouse_view_quality", default=None)


@contextlib.contextmanager
def counting():
    """Collect the expectation counts of the views read inside the block (yields the list)."""
    token = _SEEN.set([])
    try:
        yield _SEEN.get()
    finally:
        _SEEN.reset(token)


def observe_view(ds, df):
    """``df`` (the view ``ds`` after its fail guard) with its expectation counts attached."""
    seen = _SEEN.get()
    if not ds.expectations or seen is None:
        return df
    if df.isStreaming:
        name = f"lhx_view_{uuid.uuid4().hex[:12]}"
        seen.append((ds, name))
        return df.observe(name, *metric_columns(ds.expectations))
    df = df.localCheckpoint()  # evaluated once: the counts and the reading flow see the same rows
    seen.append((ds, df.agg(*metric_columns(ds.expectations)).first().asDict()))
    return df


def view_reports(seen, progress=()) -> list:
    """The ``data_quality.expectations`` entries of the views in ``seen`` (a stream's ``progress``
    holds the observed ones)."""
    out = []
    for ds, found in seen:
        if not ds.expectations:
            continue
        metrics = found if isinstance(found, dict) else sum_observed(progress, found, metric_names(ds.expectations))
        out += quality_report(ds.expectations, ds.name, metrics)["expectations"]
    return out
