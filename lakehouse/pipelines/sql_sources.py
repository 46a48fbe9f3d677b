"""The reads of a pipeline query that Spark SQL cannot run itself: ``STREAM``, ``read_files``, ``cloud_files``.

A query body is Spark SQL except for its sources:

* ``STREAM(name)`` / ``STREAM name``: a streaming read of a dataset or table
  (https://docs.databricks.com/aws/en/ldp/developer/ldp-sql-ref-create-streaming-table, "STREAM");
* ``read_files(path, key => value, ...)`` and ``STREAM read_files(...)``: files, a streaming one
  on Auto Loader (https://docs.databricks.com/aws/en/sql/language-manual/functions/read_files);
* legacy ``cloud_files(path, format [, map(k, v, ...)])``: Auto Loader.

Each becomes a :class:`Source` and its place in the text a temporary view name
(``__pipeline_src_...``); the runner's session turns each source into a DataFrame (pipeline
datasets resolve as in Python files) and registers the view before the query runs.

Example:
    >>> text, sources = extract_sources("SELECT * FROM STREAM(LIVE.raw) r JOIN dims d USING (id)", "q1")
    >>> text
    'SELECT * FROM __pipeline_src_q1_0 r JOIN dims d USING (id)'
    >>> sources[0].kind, sources[0].name
    ('stream', 'raw')
    >>> _, (s,) = extract_sources("SELECT * FROM STREAM read_files('/in', format => 'csv', `header` => true)", "q2")
    >>> s.kind, s.path, s.options
    ('read_files', '/in', (('format', 'csv'), ('header', 'true')))
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from .resolve import strip_live
from .sql_tokens import Cursor, split_top, tokenize, unquote

VIEW_PREFIX = "__pipeline_src_"


@dataclass(frozen=True)
class Source:
    """One special read of a query: ``kind`` is ``stream`` (a table), ``read_files`` or ``cloud_files``."""

    kind: str
    view: str
    name: str | None = None
    path: str | None = None
    options: tuple = ()
    streaming: bool = True


def extract_sources(query: str, tag: str, *, where=lambda tok: "?") -> tuple[str, tuple[Source, ...]]:
    """``query`` with each ``STREAM`` / ``read_files`` / ``cloud_files`` read replaced by a view name.

    Args:
        query: the query body (Spark SQL plus those reads).
        tag: a name unique to the query (the views are ``__pipeline_src_<tag>_<i>``).
        where: a function of a token giving ``file, line N`` for messages.

    Raises:
        PipelineDefinitionError: a malformed ``read_files``/``cloud_files`` call.
    """
    tag = re.sub(r"\W", "_", tag)
    tokens = tokenize(query)
    out, sources, last, i = [], [], 0, 0
    while i < len(tokens):
        tok = tokens[i]
        prev = tokens[i - 1] if i else None
        found = None
        if tok.word() == "STREAM" and (prev is None or prev.text != ".") and i + 1 < len(tokens):
            found = _stream(query, tokens, i, where)
        elif tok.word() in ("READ_FILES", "CLOUD_FILES") and i + 1 < len(tokens) and tokens[i + 1].text == "(" \
                and (prev is None or prev.text != "."):
            found = _files(query, tokens, i, where, streaming=tok.word() == "CLOUD_FILES")
        if found is None:
            i += 1
            continue
        end_index, source = found
        view = f"{VIEW_PREFIX}{tag}_{len(sources)}"
        sources.append(Source(source.kind, view, source.name, source.path, source.options, source.streaming))
        out.append(query[last:tok.start] + view)
        last = tokens[end_index - 1].end
        i = end_index
    out.append(query[last:])
    return "".join(out), tuple(sources)


def _stream(query, tokens, i, where):
    """``STREAM(x)`` / ``STREAM x`` / ``STREAM read_files(...)`` at token ``i`` -> (next index, Source)."""
    nxt = tokens[i + 1]
    if nxt.text == "(":
        depth, j = 0, i + 1
        while j < len(tokens):
            depth += tokens[j].text == "("
            depth -= tokens[j].text == ")"
            j += 1
            if depth == 0:
                break
        inner = query[nxt.end:tokens[j - 1].start].strip()
        inner_tokens = tokenize(inner)
        if inner_tokens and inner_tokens[0].word() in ("READ_FILES", "CLOUD_FILES"):
            _, source = _files(inner, inner_tokens, 0, where, streaming=True)
            return j, source
        c = Cursor(inner, where=where)
        name = c.name() if inner_tokens and inner_tokens[0].kind == "ident" else None
        if name is None or not c.done():
            return None  # not a table name: a function or column called stream(...); leave it to Spark
        return j, Source("stream", "", name=strip_live(name))
    if nxt.kind != "ident" or nxt.word() in ("AS", "FROM", "WHERE", "JOIN", "ON", "GROUP", "ORDER", "LIMIT"):
        return None
    if nxt.word() in ("READ_FILES", "CLOUD_FILES") and i + 2 < len(tokens) and tokens[i + 2].text == "(":
        return _files(query, tokens, i + 1, where, streaming=True)
    j = i + 1
    while j + 2 < len(tokens) and tokens[j + 1].text == "." and tokens[j + 2].kind == "ident":
        j += 2
    name = query[nxt.start:tokens[j].end]
    return j + 1, Source("stream", "", name=strip_live(name))


def _files(query, tokens, i, where, *, streaming: bool):
    """``read_files(...)`` / ``cloud_files(...)`` at token ``i`` -> (next index, Source)."""
    func = tokens[i].word()
    c = Cursor(query[tokens[i + 1].start:], where=where)
    args = split_top(c.group())
    end = i + 1 + c.i
    if func == "READ_FILES":
        path, options = _read_files_args(args, where, tokens[i])
        return end, Source("read_files", "", path=path, options=options, streaming=streaming)
    path, options = _cloud_files_args(args, where, tokens[i])
    return end, Source("cloud_files", "", path=path, options=options, streaming=True)


def _value(text: str, where, tok, what: str) -> str:
    toks = tokenize(text.strip())
    if len(toks) == 1 and toks[0].kind == "string":
        return unquote(toks[0].text)
    if len(toks) == 1 and (toks[0].kind == "number" or toks[0].word() in ("TRUE", "FALSE")):
        return toks[0].text.lower()
    from .errors import PipelineDefinitionError

    raise PipelineDefinitionError(f"{where(tok)}: {what} must be a literal (a string, number or true/false), "
                                  f"got {text.strip()!r}.", fix="write the value as a literal.")


def _read_files_args(args, where, tok):
    from .errors import PipelineDefinitionError

    if not args or not args[0].strip() or "=>" in args[0]:
        raise PipelineDefinitionError(f"{where(tok)}: read_files needs the path first: read_files('/path', "
                                      "format => 'csv').",
                                      fix="see https://docs.databricks.com/aws/en/sql/language-manual/functions/read_files.")
    path = _value(args[0], where, tok, "the read_files path")
    options = []
    for arg in args[1:]:
        key, arrow, value = arg.partition("=>")
        if not arrow:
            raise PipelineDefinitionError(f"{where(tok)}: read_files options are named: key => value, got "
                                          f"{arg.strip()!r}.",
                                          fix="see https://docs.databricks.com/aws/en/sql/language-manual/functions/read_files.")
        options.append((unquote(key.strip()), _value(value, where, tok, f"read_files option {key.strip()}")))
    return path, tuple(options)


def _cloud_files_args(args, where, tok):
    from .errors import PipelineDefinitionError

    if len(args) < 2:
        raise PipelineDefinitionError(f"{where(tok)}: cloud_files takes (path, format [, map(key, value, ...)]).",
                                      fix="or write STREAM read_files(path, format => ...).")
    path = _value(args[0], where, tok, "the cloud_files path")
    options = [("cloudFiles.format", _value(args[1], where, tok, "the cloud_files format"))]
    if len(args) > 2:
        c = Cursor(args[2].strip(), where=where)
        if not c.take("MAP"):
            raise PipelineDefinitionError(f"{where(tok)}: cloud_files options are map('key', 'value', ...), got "
                                          f"{args[2].strip()!r}.")
        items = [_value(v, where, tok, "a cloud_files option") for v in split_top(c.group()) if v.strip()]
        if len(items) % 2:
            raise PipelineDefinitionError(f"{where(tok)}: map(...) of cloud_files needs key, value pairs.")
        options += list(zip(items[::2], items[1::2]))
    return path, tuple(options)
