"""The pipeline SQL statements, parsed into frozen records (the query bodies stay SQL text).

Forms, each as its Databricks reference page gives it:

* ``CREATE [OR REFRESH] [PRIVATE] STREAMING TABLE`` and ``CREATE [OR REFRESH] [PRIVATE]
  MATERIALIZED VIEW`` with a column list, ``CONSTRAINT name EXPECT (expr) [ON VIOLATION DROP ROW |
  FAIL UPDATE]``, ``COMMENT``, ``TBLPROPERTIES``, ``PARTITIONED BY``, ``CLUSTER BY``, ``USING
  DELTA``, ``WITH ROW FILTER`` and ``AS query`` (a streaming table without a query is a target for
  flows): https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-streaming-table,
  https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-materialized-view;
  legacy ``CREATE OR REFRESH [STREAMING] LIVE TABLE``
  (https://docs.databricks.com/aws/en/ldp/live-schema);
* ``CREATE TEMPORARY [STREAMING] [LIVE] VIEW`` and ``CREATE VIEW`` (a view private to the pipeline):
  https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-view;
* ``CREATE FLOW f [COMMENT c] AS INSERT INTO [ONCE] t BY NAME query`` (also ``INSERT ONCE INTO``)
  and ``CREATE FLOW f AS AUTO CDC [ONCE] INTO t FROM src KEYS (...) ...``:
  https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-flow,
  https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-apply-changes-into; legacy
  ``APPLY CHANGES INTO LIVE.t FROM STREAM(LIVE.s) ...`` (same clauses);
* ``SET key = value`` (https://docs.databricks.com/aws/en/ldp/developer/sql-ref).

Anything else is refused by name with the page of the pipeline SQL reference.

Example:
    >>> s = parse_statement("CREATE OR REFRESH STREAMING TABLE t (CONSTRAINT ok EXPECT (id > 0) "
    ...                     "ON VIOLATION DROP ROW) COMMENT 'ids' AS SELECT * FROM STREAM(src)", where="f.sql, line 1")
    >>> s.kind, s.name, s.streaming, s.expectations, s.comment, s.query
    ('table', 't', True, (('ok', 'id > 0', 'drop'),), 'ids', 'SELECT * FROM STREAM(src)')
"""

from __future__ import annotations

from dataclasses import dataclass

from .resolve import strip_live
from .sql_tokens import Cursor, split_top, unquote

SQL_REF = "https://docs.databricks.com/aws/en/ldp/developer/sql-ref"
EXPECTATIONS_REF = "https://docs.databricks.com/aws/en/ldp/expectations"
CDC_REF = "https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-apply-changes-into"


@dataclass(frozen=True)
class DatasetStatement:
    """``CREATE ... STREAMING TABLE | MATERIALIZED VIEW | VIEW``."""

    kind: str  # "table" (a streaming table), "materialized_view", "temporary_view"
    name: str
    streaming: bool = False
    private: bool = False
    columns: str | None = None  # the column definitions as written (a DDL schema)
    expectations: tuple = ()  # ((name, constraint, action), ...)
    comment: str | None = None
    table_properties: tuple = ()
    partition_cols: tuple | None = None
    cluster_by: tuple | None = None
    query: str | None = None


@dataclass(frozen=True)
class FlowStatement:
    """``CREATE FLOW f AS INSERT INTO [ONCE] target BY NAME query``."""

    name: str
    target: str
    query: str
    once: bool = False
    comment: str | None = None


@dataclass(frozen=True)
class CdcStatement:
    """``CREATE FLOW f AS AUTO CDC INTO t ...`` or legacy ``APPLY CHANGES INTO t ...``."""

    name: str
    target: str
    source: str
    args: tuple  # the keyword arguments of create_auto_cdc_flow, as (name, value) pairs
    once: bool = False


@dataclass(frozen=True)
class SetStatement:
    """``SET key = value``."""

    key: str
    value: str


def parse_statement(text: str, *, where: str, line_of=None):
    """Parse one pipeline statement (comments removed, ``${}`` substituted).

    Args:
        text: the statement without its ``;``.
        where: ``file, line N`` for messages.

    Returns:
        A :class:`DatasetStatement`, :class:`FlowStatement`, :class:`CdcStatement` or :class:`SetStatement`.

    Raises:
        PipelineDefinitionError: a statement the pipeline SQL does not have (or the local runner
            does not support), or a malformed clause; the message names it and the page.
    """
    c = Cursor(text, where=line_of or (lambda tok: where))
    if c.take("SET"):
        return _set(c)
    if c.take("APPLY", "CHANGES", "INTO"):
        return _cdc(c, name=None, once=False)
    if c.take("CREATE"):
        if c.take("FLOW"):
            return _flow(c)
        return _create(c, text)
    _unsupported(c, text)


def _unsupported(c: Cursor, text: str, page: str = SQL_REF):
    words = " ".join(text.split()[:4])
    c.i = 0
    c.fail(f"{words!r}... is not a pipeline SQL statement the local runner supports.",
           fix=f"a pipeline SQL file holds CREATE [OR REFRESH] STREAMING TABLE / MATERIALIZED VIEW, "
               f"CREATE [TEMPORARY] VIEW, CREATE FLOW, APPLY CHANGES INTO and SET statements ({page}).")


def _set(c: Cursor) -> SetStatement:
    key = c.until(("=",))
    if not key or not c.take("="):
        c.fail("SET needs key = value.", fix=f"write SET my.key = value; ({SQL_REF}).")
    value = c.rest()
    return SetStatement(unquote(key.replace(" ", "")), unquote(value))


def _create(c: Cursor, text: str) -> DatasetStatement:
    c.take("OR", "REFRESH") or c.take("OR", "REPLACE")
    private = c.take("PRIVATE")
    temporary = c.take("TEMPORARY")
    streaming = c.take("STREAMING")
    live = c.take("LIVE")
    if c.take("MATERIALIZED", "VIEW"):
        kind = "materialized_view"
    elif c.take("VIEW"):
        kind = "temporary_view"
    elif c.take("TABLE") and (streaming or live):
        kind = "table" if streaming else "materialized_view"  # legacy LIVE TABLE = a materialized view
    else:
        _unsupported(c, text)
    if temporary and kind != "temporary_view":
        private = True  # legacy CREATE TEMPORARY LIVE TABLE: not published
    c.take("IF", "NOT", "EXISTS")
    name = strip_live(c.name())
    fields: dict = {}
    if c.at("("):
        fields.update(_table_spec(c, name))
    while not c.done() and not c.at("AS"):
        _clause(c, fields, kind)
    query = None
    if c.take("AS"):
        query = c.rest()
        if not query:
            c.fail(f"{name}: AS needs a query.")
    elif kind != "table":
        c.fail(f"{name}: a {kind.replace('_', ' ')} needs AS <query>.")
    return DatasetStatement(kind, name, streaming=kind == "table" or streaming, private=private, query=query,
                            **fields)


def _table_spec(c: Cursor, name: str) -> dict:
    columns, expectations = [], []
    for item in split_top(c.group()):
        item = item.strip()
        sub = Cursor(item, where=c._where)
        if sub.take("CONSTRAINT"):
            cname = unquote(sub.name())
            if sub.take("EXPECT"):
                expr = sub.group()
                action = "warn"
                if sub.take("ON", "VIOLATION"):
                    if sub.take("DROP", "ROW"):
                        action = "drop"
                    elif sub.take("FAIL", "UPDATE"):
                        action = "fail"
                    else:
                        sub.fail(f"ON VIOLATION takes DROP ROW or FAIL UPDATE, found {sub.found()}.",
                                 fix=f"see {EXPECTATIONS_REF}.")
                if not sub.done():
                    sub.fail(f"unexpected {sub.found()} after the expectation {cname!r}.")
                expectations.append((cname, expr, action))
            # CONSTRAINT ... PRIMARY KEY / FOREIGN KEY: informational on Databricks (not enforced)
        elif sub.at("PRIMARY", "KEY") or sub.at("FOREIGN", "KEY"):
            pass
        elif item:
            columns.append(item)
    return {"columns": ", ".join(columns) or None, "expectations": tuple(expectations)}


def _clause(c: Cursor, fields: dict, kind: str) -> None:
    if c.take("COMMENT"):
        fields["comment"] = c.literal()
    elif c.take("TBLPROPERTIES"):
        props = []
        for item in split_top(c.group()):
            key, eq, value = item.partition("=")
            if not eq:
                c.fail(f"TBLPROPERTIES takes 'key' = 'value' pairs, found {item.strip()!r}.")
            props.append((unquote(key.strip()), unquote(value.strip())))
        fields["table_properties"] = tuple(props)
    elif c.take("PARTITIONED", "BY"):
        fields["partition_cols"] = tuple(c.names())
    elif c.take("CLUSTER", "BY"):
        if c.take("AUTO") or c.take("NONE"):
            return
        fields["cluster_by"] = tuple(c.names())
    elif c.take("USING"):
        fmt = c.name()
        if fmt.lower() != "delta":
            c.fail(f"USING {fmt}: pipeline tables are Delta tables.", fix="write USING DELTA or leave it out.")
    elif c.take("WITH", "ROW", "FILTER"):
        c.name()
        c.need("ON")
        c.group()  # accepted as in Python's row_filter=: not applied locally
    elif c.at("LOCATION") or c.at("SCHEDULE") or c.at("FLOW") or c.at("DEFAULT", "COLLATION"):
        clause = c.peek().text.upper()
        c.fail(f"the {clause} clause is not supported by the local runner.",
               fix=f"leave it out ({SQL_REF}).")
    else:
        c.fail(f"unexpected {c.found()} in CREATE {kind.replace('_', ' ').upper()}.",
               fix=f"see the clauses on {SQL_REF}.")


def _flow(c: Cursor):
    name = c.name()
    comment = c.literal() if c.take("COMMENT") else None
    c.need("AS")
    if c.take("AUTO", "CDC"):
        once = c.take("ONCE")
        c.need("INTO")
        return _cdc(c, name=name, once=once)
    if c.take("INSERT"):
        once = c.take("ONCE")
        c.need("INTO")
        once = c.take("ONCE") or once
        target = strip_live(c.name())
        c.take("BY", "NAME")
        query = c.rest()
        if not query:
            c.fail(f"flow {name}: INSERT INTO {target} needs a query.")
        return FlowStatement(name, target, query, once=once, comment=comment)
    c.fail(f"CREATE FLOW {name} AS takes INSERT INTO or AUTO CDC INTO, found {c.found()}.",
           fix="see https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-flow.")


_CDC_CLAUSES = (("KEYS",), ("IGNORE", "NULL", "UPDATES"), ("APPLY", "AS"), ("SEQUENCE", "BY"), ("COLUMNS",),
                ("STORED", "AS"), ("TRACK", "HISTORY"))


def _cdc(c: Cursor, *, name, once: bool) -> CdcStatement:
    target = strip_live(c.name())
    c.need("FROM")
    source = _cdc_source(c)
    args: dict = {}
    while not c.done():
        if c.take("KEYS"):
            args["keys"] = c.names()
        elif c.take("IGNORE", "NULL", "UPDATES"):
            args["ignore_null_updates"] = True
        elif c.take("APPLY", "AS", "DELETE", "WHEN"):
            args["apply_as_deletes"] = c.until(*_CDC_CLAUSES)
        elif c.take("APPLY", "AS", "TRUNCATE", "WHEN"):
            args["apply_as_truncates"] = c.until(*_CDC_CLAUSES)
        elif c.take("SEQUENCE", "BY"):
            args["sequence_by"] = _sequence(c.until(*_CDC_CLAUSES))
        elif c.take("COLUMNS"):
            included, excluded = _column_choice(c)
            args["column_list" if included is not None else "except_column_list"] = (
                included if included is not None else excluded)
        elif c.take("STORED", "AS", "SCD", "TYPE"):
            args["stored_as_scd_type"] = c.literal()
        elif c.take("TRACK", "HISTORY", "ON"):
            included, excluded = _column_choice(c)
            args["track_history_column_list" if included is not None else "track_history_except_column_list"] = (
                included if included is not None else excluded)
        else:
            c.fail(f"unexpected {c.found()} in AUTO CDC INTO {target}.", fix=f"see {CDC_REF}.")
    for needed in ("keys", "sequence_by"):
        if needed not in args:
            c.fail(f"AUTO CDC INTO {target} needs {needed.upper().replace('_', ' ')}.", fix=f"see {CDC_REF}.")
    return CdcStatement(name or target, target, source, tuple(args.items()), once=once)


def _cdc_source(c: Cursor) -> str:
    if c.take("STREAM"):
        if c.at("("):
            inner = Cursor(c.group(), where=c._where)
            source = inner.name()
            if not inner.done():
                inner.fail("AUTO CDC reads a dataset or table: FROM STREAM(name).", fix=f"see {CDC_REF}.")
            return strip_live(source)
        return strip_live(c.name())
    if c.at("("):
        c.fail("AUTO CDC reads a dataset or table by name, not a subquery.",
               fix=f"define the query as a view (CREATE TEMPORARY VIEW v AS ...) and read FROM STREAM(v) ({CDC_REF}).")
    return strip_live(c.name())


def _column_choice(c: Cursor):
    """``(a, b)`` / ``a, b`` -> (names, None); ``* EXCEPT (a, b)`` -> (None, names)."""
    if c.take("*"):
        c.need("EXCEPT")
        return None, c.names()
    if c.at("("):
        return c.names(), None
    text = c.until(*_CDC_CLAUSES)
    return [unquote(n.strip()) for n in split_top(text)], None


def _sequence(text: str) -> str:
    """A single column name unquoted; an expression (``struct(a, b)``) as written (see :func:`sequence_column`)."""
    from .sql_tokens import tokenize

    tokens = tokenize(text)
    return unquote(tokens[0].text) if len(tokens) == 1 and tokens[0].kind == "ident" else text


def sequence_column(value: str):
    """``SEQUENCE BY`` for ``create_auto_cdc_flow``: a column name stays a name, an expression
    becomes a Column (``struct(a, b)`` orders by ``a`` then ``b``); needs a Spark session.

    Example:
        >>> sequence_column("seq")
        'seq'
    """
    from .sql_tokens import tokenize

    tokens = tokenize(value)
    if len(tokens) == 1 and tokens[0].kind == "ident":
        return value
    from pyspark.sql import functions as F

    return F.expr(value)
