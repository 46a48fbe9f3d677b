"""The ``spark`` a pipeline file sees: dataset names resolve to the pipeline's datasets.

Inside a pipeline, ``spark.read.table("x")`` / ``spark.readStream.table("x")`` of a dataset
``x`` of the same pipeline read it, as on Databricks
(https://docs.databricks.com/aws/en/ldp/developer/python-dev). :class:`PipelineSession`
wraps the real session and does that in two modes:

* **discover** — before anything runs, each query function is called once; reads are
  recorded (dataset names, external tables, whether any read is streaming) and answered with
  lazy DataFrames (the table when it exists already, else a placeholder), so nothing is read
  and upstream tables need not exist yet; ``spark.sql`` text is parsed with sqlglot for its
  tables. A query that inspects a placeholder's schema (``df.columns``) fails there; the reads
  it made before that point are its inputs.
* **run** — a dataset name becomes its published ``catalog.schema.name``; a temporary view
  becomes its query's DataFrame.

The legacy ``LIVE.`` prefix is ignored (``LIVE.x`` is ``x``), as in Databricks' default
publishing mode: "this syntax is silently ignored, and unqualified identifiers use the current
schema" (https://docs.databricks.com/aws/en/ldp/live-schema). A streaming ``cloudFiles`` read
without ``cloudFiles.schemaLocation`` gets the one the pipeline manages for its flow
(:func:`lakehouse.pipelines.file_sources.managed_schema_location`).

Everything else is passed to the real session.

Example:
    >>> ident_parts("main.c360_silver.`my t`")
    ('main', 'c360_silver', 'my t')
    >>> qualify("c360_bronze.crm", "spark_catalog", "c360_silver")
    'spark_catalog.c360_bronze.crm'
    >>> strip_live("LIVE.orders"), strip_live("live.s.t"), strip_live("lively.t")
    ('orders', 's.t', 'lively.t')
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..runtime.names import ident_parts
from ..runtime.spark_sql import spark_sql

FRONT_END_VIEWS = "__pipeline_"  # temporary views the runner and the SQL front end register


def strip_live(name: str) -> str:
    """``name`` without the legacy ``LIVE.`` prefix (ignored in the default publishing mode)."""
    head, dot, rest = name.partition(".")
    return rest if dot and rest and head.strip("`").lower() == "live" else name


def qualify(name: str, catalog: str, schema: str) -> str:
    """``name`` as ``catalog.schema.table``: a dataset may be named ``table`` (the pipeline's
    schema), ``schema.table`` or ``catalog.schema.table`` (publishing to several schemas)."""
    parts = ident_parts(name)
    return ".".join((catalog, schema)[:max(0, 3 - len(parts))] + parts)


PRIVATE_SCHEMA_SUFFIX = "__pipeline_private"


def table_name(dataset, catalog: str, schema: str) -> str:
    """Where the table of ``dataset`` is stored: its qualified name, or for a private dataset the
    same name in the hidden schema ``<schema>__pipeline_private`` (private tables "are not added to
    the catalog and are only accessible within the defining pipeline",
    https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-streaming-table, PRIVATE).

    Example:
        >>> from lakehouse.pipelines.graph import Dataset
        >>> table_name(Dataset("t", "table", private=True), "spark_catalog", "lab")
        'spark_catalog.lab__pipeline_private.t'
    """
    full = qualify(dataset.name, catalog, schema)
    if not getattr(dataset, "private", False):
        return full
    cat, sch, table = ident_parts(full)
    return ".".join((cat, sch + PRIVATE_SCHEMA_SUFFIX, table))


@dataclass
class Reads:
    """What one query function read while it was discovered."""

    datasets: set = field(default_factory=set)
    external: set = field(default_factory=set)
    streaming: bool = False


class PipelineSession:
    """A Spark session proxy for pipeline code (see the module docstring)."""

    def __init__(self, spark, *, datasets: dict, catalog: str, schema: str, views=None, mode: str = "run"):
        self._spark = spark
        self._datasets = datasets  # lower name -> Dataset
        self._catalog, self._schema = catalog, schema
        self._views = views or {}  # lower name -> callable returning a DataFrame (run mode)
        self._mode = mode
        self.reads = Reads()
        self.spec = None  # the PipelineSpec, set by the loader (storage for managed schema locations)

    @property
    def real(self):
        """The session this proxy wraps."""
        return self._spark

    @property
    def discovering(self) -> bool:
        """True while the graph is discovered (reads are recorded, nothing is read)."""
        return self._mode == "discover"

    # --- name resolution -----------------------------------------------------------------------
    def dataset_of(self, name: str) -> str | None:
        """The pipeline dataset (its registry key) that ``name`` means, or None for an external table."""
        wanted = qualify(strip_live(name), self._catalog, self._schema).lower()
        for key, ds in self._datasets.items():
            if qualify(ds.name, self._catalog, self._schema).lower() == wanted:
                return key
        return None

    def full_name(self, dataset: str) -> str:
        return table_name(self._datasets[dataset.lower()], self._catalog, self._schema)

    def _resolve(self, name: str, streaming: bool, real_reader):
        name = strip_live(name)
        key = self.dataset_of(name)
        if key is None and len(ident_parts(name)) == 1:  # the pipeline's catalog and schema are the defaults
            name = f"{self._catalog}.{self._schema}.{name}"
        if self._mode == "discover":
            self.reads.streaming |= streaming
            if key is None:
                self.reads.external.add(name)
            else:
                self.reads.datasets.add(key)
                if self._datasets[key].kind != "temporary_view" and self._spark.catalog.tableExists(self.full_name(key)):
                    return real_reader.table(self.full_name(key))  # lazy: its schema, nothing read
            return self._placeholder(streaming)
        if key is not None and self._datasets[key].kind == "temporary_view":
            return self._views[key]()
        return real_reader.table(self.full_name(key) if key is not None else name)

    def _placeholder(self, streaming: bool):
        if streaming:
            return self._spark.readStream.format("rate").load()
        return self._spark.range(0)

    # --- the session surface pipeline code uses --------------------------------------------------
    @property
    def read(self):
        return _Reader(self, self._spark.read, streaming=False)

    @property
    def readStream(self):  # noqa: N802 (Spark's name)
        return _Reader(self, self._spark.readStream, streaming=True)

    def table(self, name: str):
        return self.read.table(name)

    def sql(self, text: str, *args, **kwargs):
        if self._mode == "discover":
            self._discover_sql(text)
            return self._placeholder(False)
        return self._spark.sql(self._rewrite_sql(text), *args, **kwargs)

    def _tables(self, text: str):
        import sqlglot
        from sqlglot import exp

        tree = sqlglot.parse_one(text, read="spark")
        ctes = {c.alias_or_name.lower() for c in tree.find_all(exp.CTE)}
        for t in tree.find_all(exp.Table):
            name = ".".join(p for p in (t.catalog, t.db, t.name) if p)
            if name and name.lower() not in ctes and not name.startswith(FRONT_END_VIEWS):
                yield t, name

    def _discover_sql(self, text: str) -> None:
        for _t, name in self._tables(text):
            key = self.dataset_of(name)
            (self.reads.datasets.add(key) if key else self.reads.external.add(strip_live(name)))

    def _rewrite_sql(self, text: str) -> str:
        """Qualify the pipeline's dataset names in ``text`` (temporary views become temp views)."""
        from sqlglot import exp

        tree = None
        for t, name in list(self._tables(text)):
            key = self.dataset_of(name)
            if key is None:
                if strip_live(name) != name:  # LIVE.x of a table outside the pipeline: x
                    tree = t.root()
                    t.replace(exp.to_table(strip_live(name), dialect="spark").as_(t.alias_or_name))
                continue
            tree = t.root()
            if self._datasets[key].kind == "temporary_view":
                view = f"__pipeline_view_{key}"
                self._views[key]().createOrReplaceTempView(view)
                t.replace(exp.to_table(view).as_(t.alias_or_name))
            else:
                t.replace(exp.to_table(self.full_name(key), dialect="spark").as_(t.alias_or_name))
        return spark_sql(tree) if tree is not None else text

    def __getattr__(self, item):
        return getattr(self._spark, item)


class _Reader:
    """A DataFrameReader / DataStreamReader whose ``table()`` resolves pipeline datasets."""

    def __init__(self, session: PipelineSession, reader, *, streaming: bool, seen=None):
        self._session, self._reader, self._streaming = session, reader, streaming
        self._seen = seen or {"format": None, "options": set(), "schema": False}  # what the chain set

    def table(self, name: str):
        return self._session._resolve(name, self._streaming, self._reader)

    def load(self, *args, **kwargs):
        if self._session._mode == "discover":
            self._session.reads.streaming |= self._streaming
        return self._managed(**kwargs)._reader.load(*args, **kwargs)

    def _managed(self, **kwargs):
        """This reader with the pipeline-managed ``cloudFiles.schemaLocation`` when it needs one."""
        from .file_sources import SCHEMA_LOCATION, managed_schema_location

        fmt = (kwargs.get("format") or self._seen["format"] or "").lower()
        given = self._seen["options"] | {k.lower() for k in kwargs}
        spec = self._session.spec
        if not self._streaming or fmt != "cloudfiles" or SCHEMA_LOCATION.lower() in given or \
                self._seen["schema"] or kwargs.get("schema") is not None or spec is None:
            return self
        location = managed_schema_location(spec.storage)
        return self.option(SCHEMA_LOCATION, location) if location else self

    def __getattr__(self, item):
        attr = getattr(self._reader, item)
        if not callable(attr):
            return attr

        def chained(*args, **kwargs):
            result = attr(*args, **kwargs)
            if result is self._reader or type(result) is type(self._reader):
                return _Reader(self._session, result, streaming=self._streaming, seen=self._note(item, args, kwargs))
            return result
        return chained

    def _note(self, item: str, args, kwargs) -> dict:
        seen = {"format": self._seen["format"], "options": set(self._seen["options"]), "schema": self._seen["schema"]}
        if item == "format" and args:
            seen["format"] = str(args[0])
        elif item == "option" and args:
            seen["options"].add(str(args[0]).lower())
        elif item == "options":
            seen["options"] |= {str(k).lower() for k in kwargs}
        elif item == "schema":
            seen["schema"] = True
        return seen
