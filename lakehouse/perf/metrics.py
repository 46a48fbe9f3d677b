"""Measure one query: files in the table, files read, bytes read, rows, seconds.

The numbers come from the physical plan of the query that really ran: the file scan node
(``FileSourceScanExec``) reports "number of files read" (``numFiles``) and "size of files read"
(``filesSize``). Over Spark Connect, pyspark 4.2 hands a finished query's plan metrics back as
``df.executionInfo.metrics``; in classic mode they are read from the executed plan. The files
in the table come from the Delta log (``DESCRIBE DETAIL ... numFiles``) of each table scanned,
at its current version. The Databricks query profile shows the same scan metrics
(https://docs.databricks.com/aws/en/sql/user/queries/query-profile).

Example:
    >>> from lakehouse.perf import scan_metrics                                 # doctest: +SKIP
    >>> m = scan_metrics(spark.table("t").where("customer_id = 42"))          # doctest: +SKIP
    >>> m.files_read, m["files_total"]                                         # doctest: +SKIP
    (1, 24)
"""

from __future__ import annotations

import re
import time
from collections.abc import Mapping
from dataclasses import dataclass, field

from .errors import PerfArgumentError

FILES_READ = "numFiles"      # "number of files read"
BYTES_READ = "filesSize"     # "size of files read"
ROWS_OUT = "numOutputRows"   # "number of output rows"
KEYS = ("files_total", "files_read", "bytes_read", "rows", "seconds", "rows_scanned")
_TABLE_IN_SCAN = re.compile(r"^Scan \S+ (\S+)$")


@dataclass(frozen=True)
class PlanNode:
    """One node of an executed physical plan and its metrics (name -> value)."""

    name: str
    metrics: dict = field(default_factory=dict)


@dataclass(frozen=True)
class ScanMetrics(Mapping):
    """What one run of a query read and cost; attributes or dict access (``m["files_read"]``).

    ``files_total`` is the number of data files of the scanned tables (None when a scan has
    no table name, e.g. a path read); ``rows`` the rows the query returned; ``rows_scanned`` the
    rows the scans handed on after data skipping; ``nodes`` every plan node with its metrics.
    """

    label: str
    files_total: int | None
    files_read: int
    bytes_read: int
    rows: int
    seconds: float
    rows_scanned: int
    tables: tuple = ()
    nodes: tuple = field(default=(), repr=False, compare=False)

    def __getitem__(self, key: str):
        if key not in KEYS:
            raise KeyError(key)
        return getattr(self, key)

    def __iter__(self):
        return iter(KEYS)

    def __len__(self) -> int:
        return len(KEYS)

    def as_dict(self) -> dict:
        """The measures as a plain dict (the keys of :data:`KEYS`)."""
        return {k: self[k] for k in KEYS}

    def node(self, prefix: str) -> list[PlanNode]:
        """The plan nodes whose name starts with ``prefix`` (``"AQEShuffleRead"``, ``"BroadcastHashJoin"``)."""
        return [n for n in self.nodes if n.name.startswith(prefix)]


def _dataframe(query, spark):
    from pyspark.sql import DataFrame as ClassicDataFrame

    if isinstance(query, str):
        if not query.strip():
            raise PerfArgumentError("query is an empty string.", fix="pass a SQL query or a DataFrame.")
        if spark is None:
            from pyspark.sql import SparkSession

            spark = SparkSession.getActiveSession()
        if spark is None:
            raise PerfArgumentError("a SQL string needs a Spark session and none is active.",
                                    fix="pass spark=... or a DataFrame.")
        return spark.sql(query)
    try:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectDataFrame
    except ImportError:  # pragma: no cover - pyspark without Connect
        ConnectDataFrame = ClassicDataFrame
    if not isinstance(query, (ClassicDataFrame, ConnectDataFrame)):
        raise PerfArgumentError(f"query is a {type(query).__name__}, expected a DataFrame or a SQL string.",
                                fix="pass spark.table(...).where(...) or 'SELECT ...'.")
    if query.isStreaming:
        raise PerfArgumentError("query is a streaming DataFrame; scan_metrics measures batch queries.",
                                fix="measure the table the stream writes, with spark.table(...).")
    return query


def _is_connect(df) -> bool:
    try:
        from pyspark.sql.connect.dataframe import DataFrame as ConnectDataFrame
    except ImportError:  # pragma: no cover - pyspark without Connect
        return False
    return isinstance(df, ConnectDataFrame)  # a classic DataFrame's executionInfo raises


def _connect_nodes(df) -> list[PlanNode]:
    info = df.executionInfo
    if info is None or info.metrics is None:
        return []
    _, graph = info.metrics.extract_graph()
    return [PlanNode(n.name, {m.name: m.value for m in n.metrics}) for n in graph.values() if n.name]


def _classic_nodes(df) -> list[PlanNode]:  # pragma: no cover - classic mode (checked by hand), Databricks
    """Walk the executed plan through adaptive plans and query stages."""
    stack, nodes = [df._jdf.queryExecution().executedPlan()], []
    while stack:
        plan = stack.pop()
        kind = plan.getClass().getSimpleName()
        if kind == "AdaptiveSparkPlanExec":
            stack.append(plan.executedPlan())
            continue
        if kind.endswith("QueryStageExec"):
            stack.append(plan.plan())
            continue
        metrics, it = {}, plan.metrics().iterator()
        while it.hasNext():
            pair = it.next()
            metrics[pair._1()] = pair._2().value()
        nodes.append(PlanNode(plan.nodeName(), metrics))
        children = plan.children()
        stack.extend(children.apply(i) for i in range(children.size()))
    return nodes


def _files_in(spark, tables) -> int | None:
    total = 0
    for table in tables:
        try:
            total += int(spark.sql(f"DESCRIBE DETAIL {table}").first()["numFiles"])
        except Exception:  # not a Delta table (DESCRIBE DETAIL needs one): the total is unknown
            return None
    return total


def scan_metrics(query, *, label: str = "", spark=None) -> ScanMetrics:
    """Run a query once and measure it: files in the table, files read, bytes read, rows, seconds.

    The query runs to the end and its rows come back to the notebook, so measure aggregates or
    selective filters, not a whole large table. A cached DataFrame reads no files.

    Args:
        query: a batch DataFrame, or a SQL string (run on ``spark`` or the active session).
        label: a name for the run, used by :func:`compare`.
        spark: the session for a SQL string (default: the active one).

    Returns:
        A :class:`ScanMetrics` (attributes and dict access).

    Raises:
        PerfArgumentError: ``query`` is not a DataFrame or SQL string, or is streaming.

    Example:
        >>> m = scan_metrics("SELECT count(*) FROM t WHERE customer_id = 42", label="lookup")  # doctest: +SKIP
        >>> print(m.files_read, "of", m.files_total, "files,", m.bytes_read, "bytes")         # doctest: +SKIP
        1 of 24 files, 270541 bytes
    """
    if not isinstance(label, str):
        raise PerfArgumentError(f"label is a {type(label).__name__}, expected a str.")
    df = _dataframe(query, spark)
    start = time.perf_counter()
    rows = len(df.collect())
    seconds = time.perf_counter() - start
    nodes = _connect_nodes(df) if _is_connect(df) else _classic_nodes(df)
    scans = [n for n in nodes if FILES_READ in n.metrics and n.name.startswith("Scan")]
    tables = []
    for n in scans:
        found = _TABLE_IN_SCAN.match(n.name)
        tables.append(found.group(1) if found else None)
    named = tuple(dict.fromkeys(t for t in tables if t))
    files_total = _files_in(df.sparkSession, named) if scans and None not in tables else None
    return ScanMetrics(
        label=label, files_total=files_total,
        files_read=int(sum(n.metrics.get(FILES_READ, 0) for n in scans)),
        bytes_read=int(sum(n.metrics.get(BYTES_READ, 0) for n in scans)),
        rows=rows, seconds=round(seconds, 3),
        rows_scanned=int(sum(n.metrics.get(ROWS_OUT, 0) for n in scans)),
        tables=named, nodes=tuple(nodes),
    )
