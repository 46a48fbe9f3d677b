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

Everything else is passed to the real session.

Example:
    >>> ident_parts("main.c360_silver.`my t`")
    ('main', 'c360_silver', 'my t')
    >>> qualify("c360_bronze.crm", "spark_catalog", "c360_silver")
    'spark_catalog.c360_bronze.crm'
"""

from __future__ import annotations

from dataclasses import dataclass, field

from ..runtime.names import ident_parts


def qualify(name: str, catalog: str, schema: str) -> str:
    """``name`` as ``catalog.schema.table``: a dataset may be named ``table`` (the pipeline's
    schema), ``schema.table`` or ``catalog.schema.table`` (publishing to several schemas)."""
    parts = ident_parts(name)
    return ".".join((catalog, schema)[:max(0, 3 - len(parts))] + parts)


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

    # --- name resolution -----------------------------------------------------------------------
    def dataset_of(self, name: str) -> str | None:
        """The pipeline dataset (its registry key) that ``name`` means, or None for an external table."""
        wanted = qualify(name, self._catalog, self._schema).lower()
        for key, ds in self._datasets.items():
            if qualify(ds.name, self._catalog, self._schema).lower() == wanted:
                return key
        return None

    def full_name(self, dataset: str) -> str:
        return qualify(self._datasets[dataset.lower()].name, self._catalog, self._schema)

    def _resolve(self, name: str, streaming: bool, real_reader):
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
            if name and name.lower() not in ctes:
                yield t, name

    def _discover_sql(self, text: str) -> None:
        for _t, name in self._tables(text):
            key = self.dataset_of(name)
            (self.reads.datasets.add(key) if key else self.reads.external.add(name))

    def _rewrite_sql(self, text: str) -> str:
        """Qualify the pipeline's dataset names in ``text`` (temporary views become temp views)."""
        from sqlglot import exp

        tree = None
        for t, name in list(self._tables(text)):
            key = self.dataset_of(name)
            if key is None:
                continue
            tree = t.root()
            if self._datasets[key].kind == "temporary_view":
                view = f"__pipeline_view_{key}"
                self._views[key]().createOrReplaceTempView(view)
                t.replace(exp.to_table(view).as_(t.alias_or_name))
            else:
                t.replace(exp.to_table(self.full_name(key), dialect="spark").as_(t.alias_or_name))
        return tree.sql(dialect="spark") if tree is not None else text

    def __getattr__(self, item):
        return getattr(self._spark, item)


class _Reader:
    """A DataFrameReader / DataStreamReader whose ``table()`` resolves pipeline datasets."""

    def __init__(self, session: PipelineSession, reader, *, streaming: bool):
        self._session, self._reader, self._streaming = session, reader, streaming

    def table(self, name: str):
        return self._session._resolve(name, self._streaming, self._reader)

    def load(self, *args, **kwargs):
        if self._session._mode == "discover":
            self._session.reads.streaming |= self._streaming
        return self._reader.load(*args, **kwargs)

    def __getattr__(self, item):
        attr = getattr(self._reader, item)
        if not callable(attr):
            return attr

        def chained(*args, **kwargs):
            result = attr(*args, **kwargs)
            return _Reader(self._session, result, streaming=self._streaming) if result is self._reader or \
                type(result) is type(self._reader) else result
        return chained
