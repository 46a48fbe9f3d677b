"""The SQL front end: ``.sql`` pipeline files declare datasets and flows into the same graph as Python files.

Each file is split into statements (:mod:`.sql_text`), ``${key}`` is substituted from the spec's
``configuration`` and earlier ``SET`` statements, each statement is parsed
(:mod:`.sql_statements`) and declared through the same ``dp`` functions a Python file calls, so the
runner sees one kind of graph. A query body stays Spark SQL; its ``STREAM`` / ``read_files`` /
``cloud_files`` reads (:mod:`.sql_sources`) become DataFrames of the pipeline's session.
Every file is parsed before anything is declared: a bad statement anywhere leaves the graph empty.
``SET`` values also reach the flows declared after them as their ``spark_conf``
(https://docs.databricks.com/aws/en/ldp/developer/sql-ref: "Any table or view you define
... after the SET statement has access to the defined value").

Example:
    >>> import pathlib, tempfile
    >>> from lakehouse.pipelines.api import registering
    >>> f = pathlib.Path(tempfile.mkdtemp()) / "orders.sql"
    >>> _ = f.write_text('''
    ... CREATE OR REFRESH STREAMING TABLE orders (
    ...   CONSTRAINT has_id EXPECT (id IS NOT NULL) ON VIOLATION DROP ROW
    ... ) AS SELECT * FROM STREAM(raw_orders);
    ... CREATE OR REFRESH MATERIALIZED VIEW totals AS SELECT count(*) AS n FROM orders;''')
    >>> with registering() as reg:
    ...     load_sql([f], spark=None)
    >>> [(d.name, d.kind, d.streaming, d.source) for d in reg.datasets.values()]
    [('orders', 'table', True, 'orders.sql:2'), ('totals', 'materialized_view', None, 'orders.sql:5')]
"""

from __future__ import annotations

import dataclasses
import hashlib

from . import api
from .errors import PipelineDefinitionError
from .sql_sources import extract_sources
from .sql_statements import (EXPECTATIONS_REF, CdcStatement, DatasetStatement, FlowStatement, SetStatement,
                             parse_statement, sequence_column)
from .sql_text import split_statements, substitute


def load_sql(files, spark, *, spec=None) -> None:
    """Declare the datasets and flows of the SQL ``files`` into the active registry.

    Args:
        files: the ``.sql`` paths.
        spark: the pipeline's session (queries run on it; None when only parsing).
        spec: the :class:`~lakehouse.pipelines.spec.PipelineSpec` (its ``configuration``), or None.

    Raises:
        PipelineDefinitionError: an unsupported or malformed statement, an unknown ``${key}``,
            a constraint Databricks refuses; the message names the file and line.
        PipelineGraphError: a dataset or flow declared twice.
    """
    config = dict(spec.configuration) if spec is not None else {}
    spec_name = spec.path.name if spec is not None else "the pipeline spec"
    parsed = []
    for path in files:
        values, conf = dict(config), {}
        for st in split_statements(path.read_text(), path.name):
            where = f"{path.name}, line {st.line}"
            text = substitute(st.text, values, where=where, spec=spec_name)
            line_of = _line_of(path.name, st.line, text)
            stmt = parse_statement(text, where=where, line_of=line_of)
            if isinstance(stmt, SetStatement):
                values[stmt.key] = conf[stmt.key] = stmt.value
                continue
            parsed.append((f"{path.name}:{st.line}", stmt, tuple(conf.items()), line_of))
    for source, stmt, conf, line_of in parsed:
        _declare(stmt, source, conf, line_of, spark)


def _line_of(file: str, line: int, text: str):
    def where(tok):
        return f"{file}, line {line + (text.count(chr(10), 0, tok.start) if tok else 0)}"
    return where


def _declare(stmt, source: str, conf: tuple, line_of, spark) -> None:
    reg = api._registry()
    if isinstance(stmt, DatasetStatement):
        _declare_dataset(reg, stmt, source, conf, line_of, spark)
    elif isinstance(stmt, FlowStatement):
        api.append_flow(_query(stmt.query, source, line_of, spark), target=stmt.target, name=stmt.name,
                        spark_conf=dict(conf) or None, once=stmt.once)
        _relocate(reg.flows, stmt.name, source)
    elif isinstance(stmt, CdcStatement):
        args = dict(stmt.args)
        args["sequence_by"] = sequence_column(args["sequence_by"])
        api.create_auto_cdc_flow(stmt.target, stmt.source, name=stmt.name, once=stmt.once, **args)
        _relocate(reg.flows, stmt.name, source)


def _declare_dataset(reg, stmt: DatasetStatement, source: str, conf: tuple, line_of, spark) -> None:
    names = [e[0] for e in stmt.expectations]
    for name in names:
        if names.count(name) > 1:
            raise PipelineDefinitionError(f"{source.replace(':', ', line ')}: expectation {name!r} is declared twice "
                                          f"on {stmt.name!r}; an expectation name must be unique per dataset.")
    if stmt.query is None:  # a streaming table that flows write into
        by_action = {a: {n: c for n, c, act in stmt.expectations if act == a} or None for a in ("warn", "drop", "fail")}
        api.create_streaming_table(stmt.name, comment=stmt.comment, table_properties=dict(stmt.table_properties) or None,
                                   partition_cols=_list(stmt.partition_cols), cluster_by=_list(stmt.cluster_by),
                                   schema=stmt.columns, expect_all=by_action["warn"],
                                   expect_all_or_drop=by_action["drop"], expect_all_or_fail=by_action["fail"])
    else:
        fn = _query(stmt.query, source, line_of, spark)
        decorators = {"warn": api.expect, "drop": api.expect_or_drop, "fail": api.expect_or_fail}
        for name, constraint, action in reversed(stmt.expectations):  # bottom-up, as stacked decorators apply
            fn = decorators[action](name, constraint)(fn)
        common = dict(name=stmt.name, comment=stmt.comment, spark_conf=dict(conf) or None)
        if stmt.kind == "temporary_view":
            api.temporary_view(fn, **common)
        else:
            declare = api.table if stmt.kind == "table" else api.materialized_view
            declare(fn, table_properties=dict(stmt.table_properties) or None, partition_cols=_list(stmt.partition_cols),
                    cluster_by=_list(stmt.cluster_by), schema=stmt.columns, **common)
        _relocate(reg.flows, stmt.name, source)
    key = stmt.name.lower()
    changes = {"source": source}
    if stmt.kind == "table":
        changes["streaming"] = True  # CREATE STREAMING TABLE: a batch query is an error, not a materialized view
    if stmt.private and "private" in {f.name for f in dataclasses.fields(reg.datasets[key])}:
        changes["private"] = True
    reg.datasets[key] = dataclasses.replace(reg.datasets[key], **changes)


def _relocate(flows: dict, name: str, source: str) -> None:
    """Name the statement (file:line) as the flow's source, not this module."""
    flows[name.lower()] = dataclasses.replace(flows[name.lower()], source=source)


def _list(value):
    return list(value) if value else None


def _query(body: str, source: str, line_of, spark):
    """The query function of a statement: the body's special reads as views, then Spark SQL."""
    tag = hashlib.sha1(source.encode()).hexdigest()[:10]
    text, sources = extract_sources(body, tag, where=line_of)

    def query():
        from .file_sources import cloud_files, read_files

        session = api.PIPELINE_SESSION.get() or spark
        discovering = getattr(session, "discovering", False)
        for s in sources:
            if s.kind == "stream":
                df = session.readStream.table(s.name)
            elif s.kind == "read_files":
                df = read_files(session, s.path, s.options, streaming=s.streaming)
            else:
                df = cloud_files(session, s.path, s.options)
            if not discovering:
                df.createOrReplaceTempView(s.view)
        return session.sql(text)

    query.__name__ = query.__qualname__ = f"sql_{tag}"
    return query


def constraint_problem(constraint: str, builtin_functions) -> str | None:
    """Why Databricks refuses ``constraint`` as an expectation, or None.

    Constraints "must use valid SQL syntax and cannot contain: custom Python functions, external
    service calls, subqueries that reference other tables" (:data:`EXPECTATIONS_REF`).

    Args:
        constraint: the SQL boolean expression.
        builtin_functions: a callable giving the set of Spark's built-in function names (lower case),
            asked only when the constraint calls a function sqlglot does not know (None: not checked).

    Example:
        >>> constraint_problem("id IN (SELECT id FROM other)", set)
        'a subquery'
        >>> constraint_problem("CAST(x AS INT) IS NOT NULL AND upper(s) = 'A'", set) is None
        True
        >>> constraint_problem("my_udf(x)", lambda: {"upper"})
        'the function my_udf (a UDF)'
    """
    import sqlglot
    from sqlglot import exp

    try:
        tree = sqlglot.parse_one(constraint, read="databricks")
    except sqlglot.errors.ParseError:
        return None  # Spark reports the syntax error with its own message
    if tree.find(exp.Subquery, exp.Select, exp.Exists):
        return "a subquery"
    unknown = [f.name for f in tree.find_all(exp.Anonymous)]
    known = builtin_functions() if unknown else None
    for name in unknown if known is not None else ():
        if name.lower() not in known:
            return f"the function {name} (a UDF)"
    return None


def check_constraints(registry, spark) -> None:
    """Refuse the expectations of ``registry`` that Databricks refuses (:func:`constraint_problem`).

    Raises:
        PipelineDefinitionError: names the dataset, the expectation, what it contains and the page.
    """
    cache: list = []

    def builtins():
        if spark is None:
            return None
        if not cache:
            # named in spark_catalog: the course's default catalog (main) is a table catalog only
            shown = spark.sql("SHOW SYSTEM FUNCTIONS IN spark_catalog.default").collect()
            cache.append({r.function.lower() for r in shown})
        return cache[0]

    for ds in registry.datasets.values():
        for e in ds.expectations:
            constraint = getattr(e, "constraint", None) or getattr(e, "expression", None)
            problem = constraint_problem(constraint, builtins) if isinstance(constraint, str) else None
            if problem:
                raise PipelineDefinitionError(
                    f"{ds.source}: the expectation {e.name!r} on {ds.name!r} contains {problem}: "
                    f"{constraint!r}. Databricks refuses it: a constraint cannot contain custom Python "
                    "functions, external service calls or subqueries that reference other tables.",
                    fix=f"check each row with built-in SQL only, or join the other table in the query ({EXPECTATIONS_REF}).")
