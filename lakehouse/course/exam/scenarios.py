"""Run the scenario of a "predict the result" item on the engine and return what it shows.

A scenario is data (no Python from the bank runs): its ``kind`` picks one runner below, each
driving a local stand-in of a Databricks feature in a schema of its own (``USE`` makes the
scenario's unqualified table names land there):

* ``sql``: ``sql: [statements]`` run by ``spark.sql`` (Delta DDL/DML, MERGE, time travel...).
* ``governed``: ``sql: [statement | {as: user, sql: statement}]`` run by ``lakehouse.sql`` (the Unity
  Catalog emulation), ``as`` a user of :data:`lakehouse.governance.principals.DIRECTORY`; every
  user already has ``USE CATALOG`` on the catalog.
* ``cdc``: ``columns``, ``batches`` of rows applied in turn by ``lakehouse.cdc.apply_changes`` to
  ``target`` with ``keys``, ``sequence_by``, ``stored_as_scd_type``, ``apply_as_deletes``,
  ``except_column_list``, ``ignore_null_updates``; then ``query``.
* ``autoloader``: ``runs`` of ``{files: {name: text}}`` landed, each followed by one
  ``availableNow`` run of a ``cloudFiles`` stream with ``options`` into the table ``bronze``
  (``merge_schema`` on the sink); a run that fails and is followed by another is a restart; then ``query``.
* ``stream``: ``sql`` setup, then ``steps``: ``run`` (one ``availableNow`` run of
  ``stream.select`` over the streaming view ``src`` of table ``stream.source``, written to the
  table ``sink`` in ``stream.mode``) or a SQL statement; then ``query``.
* ``pipeline``: a declarative pipeline with one table ``out`` over ``rows`` (``columns``) and
  ``expectations`` (``{name, rule, action: warn|drop|fail}``); then ``query`` (or ``metric:
  dropped_records``).
* ``job``: a Lakeflow job of ``tasks`` (``{key, depends_on, run_if, outcome: success|fail}``)
  run by ``lakehouse.jobs.run_job``; the outcome is each task's result state, or the job's
  (``ask: job``).

The outcome is the last statement's (or ``query``'s) rows: one row is a value (one column) or a
list of values; several rows are a list of values (one column) or a list of rows; or ``{error: CONDITION}`` when a
statement fails. :func:`same` compares it with an option's ``result``.

Example:
    >>> normalize([(1, "a")]) == normalize([[1, "a"]])
    True
    >>> outcome_of_rows([(3,)])
    3
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import textwrap
from pathlib import Path

KINDS = ("sql", "governed", "cdc", "autoloader", "stream", "pipeline", "job")


class ScenarioError(Exception):
    """A scenario could not run (its message names what failed); not an expected outcome."""


def normalize(value) -> str:
    """A canonical JSON text of an outcome or an option's result (tuples as lists, keys sorted)."""
    def plain(v):
        if isinstance(v, (list, tuple)):
            return [plain(x) for x in v]
        if isinstance(v, dict):
            return {str(k): plain(x) for k, x in v.items()}
        if isinstance(v, float) and v.is_integer():
            return int(v)
        if v is None or isinstance(v, (bool, int, float, str)):
            return v
        return str(v)
    return json.dumps(plain(value), sort_keys=True)


def same(outcome, result) -> bool:
    """Whether a run's outcome equals an option's ``result``.

    Example:
        >>> same({"error": "X"}, {"error": "X"}), same(2, 3)
        (True, False)
    """
    return normalize(outcome) == normalize(result)


def outcome_of_rows(rows) -> object:
    """Rows as the bank writes them: one row is its value (one column) or its values (a list);
    several rows are a list of values (one column) or a list of rows.

    Example:
        >>> outcome_of_rows([(1, 0)]), outcome_of_rows([(1,), (2,)]), outcome_of_rows([(1, "a"), (2, "b")])
        ([1, 0], [1, 2], [[1, 'a'], [2, 'b']])
    """
    rows = [tuple(r) for r in rows]
    if len(rows) == 1:
        return rows[0][0] if len(rows[0]) == 1 else list(rows[0])
    if rows and all(len(r) == 1 for r in rows):
        return [r[0] for r in rows]
    return [list(r) for r in rows]


def error_condition(exc: BaseException) -> str | None:
    """The error condition of a Spark or package error (None for anything else)."""
    code = getattr(exc, "code", None)
    if isinstance(code, str) and code:
        return code
    for getter in ("getCondition", "getErrorClass"):
        fn = getattr(exc, getter, None)
        if fn is not None:
            try:
                cond = fn()
            except Exception:  # noqa: BLE001 - an error object without a condition
                cond = None
            if cond:
                return str(cond).split(".")[0]
    return None


class Runner:
    """Runs scenarios on one Spark session, each in a fresh schema ``<prefix>_<n>`` (current while it
    runs; :meth:`close` drops them and makes ``default`` current again), files under ``work``."""

    def __init__(self, spark, work: Path, prefix: str | None = None):
        # a prefix of this process: no schema of an earlier (crashed) run is in the way
        self.spark, self.work, self.count = spark, Path(work), 0
        self.prefix = prefix or f"exam_bank_{os.getpid()}"
        self.schemas: list[str] = []

    def run(self, scenario: dict):
        """Run one scenario; returns its outcome.

        Raises:
            ScenarioError: the scenario is malformed or failed in a way it does not expect.
        """
        self.count += 1
        schema = f"{self.prefix}_{self.count}"
        self.schemas.append(schema)
        folder = self.work / schema
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        self.spark.sql(f"CREATE SCHEMA {schema}")
        self.spark.sql(f"USE {schema}")
        try:
            return getattr(self, f"_{scenario['kind']}")(scenario, schema, folder)
        except KeyError as exc:
            raise ScenarioError(f"scenario of kind {scenario.get('kind')!r} needs the field {exc}") from None
        finally:
            # temporary views live in the session and would shadow the next scenario's tables
            for view in _temp_views(scenario):
                self.spark.catalog.dropTempView(view)

    def close(self) -> None:
        """Drop the schemas of every scenario run (their governance state was in their own folders)."""
        self.spark.sql("USE default")
        for schema in self.schemas:
            self.spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")

    def _fill(self, statement):
        """``{schema}`` in a statement is the scenario's schema."""
        if isinstance(statement, dict):
            return {**statement, "sql": self._fill(statement["sql"])}
        return str(statement).replace("{schema}", self.schemas[-1])

    # -- kinds ------------------------------------------------------------------------------------
    def _statements(self, statements, execute):
        result = None
        for statement in statements:
            statement = self._fill(statement)
            try:
                result = execute(statement)
                rows = result.collect() if result is not None else []
            except Exception as exc:  # noqa: BLE001 - the outcome of a failing statement
                cond = error_condition(exc)
                if cond is None:
                    raise ScenarioError(f"{_first(statement)!r} failed without an error condition: {exc}") from exc
                return {"error": cond}
        return outcome_of_rows(rows) if result is not None else None

    def _sql(self, s, schema, folder):
        return self._statements(s["sql"], self.spark.sql)

    def _governed(self, s, schema, folder):
        from ...governance.execute import sql as governed
        from ...governance.principals import as_user
        from ...governance.store import metastore_file

        def execute(step):
            if isinstance(step, dict):
                with as_user(step["as"]):
                    return governed(step["sql"], spark=self.spark)
            return governed(step, spark=self.spark)

        # the scenario's grants live in its own metastore file: the learner's (and other processes')
        # governance state is never touched, not even for the length of a run
        with metastore_file(folder / "metastore.json"):
            catalog = self.spark.sql("SELECT current_catalog()").first()[0]   # main, with the course's catalogs
            governed(f"GRANT USE CATALOG ON CATALOG {catalog} TO `account users`", spark=self.spark)
            return self._statements(s["sql"], execute)

    def _cdc(self, s, schema, folder):
        from ...cdc import apply_changes

        kw = {k: s[k] for k in ("apply_as_deletes", "except_column_list", "ignore_null_updates") if k in s}
        for batch in s["batches"]:
            df = self.spark.createDataFrame([tuple(r) for r in batch], s["columns"])
            try:
                apply_changes(f"{schema}.{s['target']}", df, keys=s["keys"], sequence_by=s["sequence_by"],
                              stored_as_scd_type=s.get("stored_as_scd_type", 1), **kw)
            except Exception as exc:  # noqa: BLE001
                cond = error_condition(exc)
                if cond is None:
                    raise
                return {"error": cond}
        return self._statements(_list(s.get("query")), self.spark.sql)

    def _autoloader(self, s, schema, folder):
        landing, mtime = folder / "landing", 1_000_000
        landing.mkdir()
        runs = s["runs"]
        for i, run in enumerate(runs):
            for name, text in run.get("files", {}).items():
                path = landing / name
                path.write_text(textwrap.dedent(text), encoding="utf-8")
                mtime += 100
                os.utime(path, (mtime, mtime))
            reader = self.spark.readStream.format("cloudFiles").option("cloudFiles.schemaLocation",
                                                                       str(folder / "schema"))
            for key, value in s.get("options", {}).items():
                reader = reader.option(key, str(value).lower() if isinstance(value, bool) else str(value))
            writer = (reader.load(str(landing)).writeStream.format("delta")
                      .option("checkpointLocation", str(folder / "checkpoint")).trigger(availableNow=True))
            if s.get("merge_schema"):
                writer = writer.option("mergeSchema", "true")
            failed = _run_to_end(writer, f"{schema}.bronze")
            if failed and i == len(runs) - 1:  # a failed run followed by another is a restart
                return failed
        return self._statements(_list(s.get("query")), self.spark.sql)

    def _stream(self, s, schema, folder):
        outcome = self._statements(s.get("sql", []), self.spark.sql)
        if isinstance(outcome, dict) and "error" in outcome:
            raise ScenarioError(f"the setup failed: {outcome['error']}")
        spec = s["stream"]
        for step in s["steps"]:
            if step != "run":
                outcome = self._statements([step], self.spark.sql)
                if isinstance(outcome, dict) and "error" in outcome:
                    return outcome
                continue
            reader = self.spark.readStream
            if spec.get("skip_change_commits"):
                reader = reader.option("skipChangeCommits", "true")
            df = reader.table(f"{schema}.{spec['source']}")
            if "watermark" in spec:
                df = df.withWatermark(spec["watermark"]["column"], spec["watermark"]["delay"])
            df.createOrReplaceTempView("src")
            out = self.spark.sql(spec.get("select", "SELECT * FROM src"))
            writer = (out.writeStream.format("delta").outputMode(spec.get("mode", "append"))
                      .option("checkpointLocation", str(folder / "checkpoint")).trigger(availableNow=True))
            failed = _run_to_end(writer, f"{schema}.sink")
            if failed:
                return failed
        return self._statements(_list(s.get("query")), self.spark.sql)

    def _pipeline(self, s, schema, folder):
        from ... import pipelines

        data = folder / "rows.json"
        names = [c.strip().split()[0] for c in s["columns"].split(",")]
        data.write_text("".join(json.dumps(dict(zip(names, r))) + "\n" for r in s["rows"]), encoding="utf-8")
        decorators = []
        for e in s["expectations"]:
            action = {"warn": "expect", "drop": "expect_or_drop", "fail": "expect_or_fail"}[e["action"]]
            decorators.append(f"@dp.{action}({e['name']!r}, {e['rule']!r})")
        source = "\n".join(["from pyspark import pipelines as dp", "", "",
                            "@dp.table(name='out')", *decorators, "def out():",
                            f"    return spark.read.format('json').schema({s['columns']!r}).load({str(data)!r})", ""])
        (folder / "transformations").mkdir()
        (folder / "transformations" / "out.py").write_text(source, encoding="utf-8")
        spec = folder / "spark-pipeline.yml"
        spec.write_text(f"name: {schema}\nstorage: state\nschema: {schema}\n"
                        "libraries:\n  - glob:\n      include: transformations/**\n", encoding="utf-8")
        try:
            update = pipelines.run(spec, spark=self.spark, quiet=True)
        except Exception as exc:  # noqa: BLE001 - a failed update (expect_or_fail) is an outcome
            cond = error_condition(exc)
            if cond is None:
                raise
            return {"error": cond}
        if update.state != "COMPLETED":
            return {"error": update.state}
        if s.get("metric") == "dropped_records":
            log = pipelines.event_log(spec, spark=self.spark).where("event_type = 'flow_progress'")
            quality = [json.loads(r.details)["flow_progress"].get("data_quality") for r in log.collect()]
            return sum(q.get("dropped_records", 0) for q in quality if q)
        self.spark.sql(f"USE {schema}")  # the runner may have changed the current schema
        return self._statements(_list(s.get("query")), self.spark.sql)

    def _job(self, s, schema, folder):
        from ...jobs import run_job

        fail = folder / "fail.py"
        fail.write_text("import sys\nsys.exit('this task fails')\n", encoding="utf-8")
        tasks = []
        for t in s["tasks"]:
            task = {"task_key": t["key"]}
            if t.get("outcome", "success") == "fail":
                task["spark_python_task"] = {"python_file": str(fail)}
            else:
                task["condition_task"] = {"op": "EQUAL_TO", "left": "1", "right": "1"}
            if t.get("depends_on"):
                task["depends_on"] = [{"task_key": d} for d in t["depends_on"]]
            for key in ("run_if", "max_retries"):
                if key in t:
                    task[key] = t[key]
            tasks.append(task)
        record = run_job({"name": schema, "tasks": tasks}, live=False, run_root=folder / "runs")
        if s.get("ask") == "job":
            return record["state"]["result_state"]
        states = {}
        for t in record["tasks"]:  # the last attempt of each task
            states[t["task_key"]] = t["state"]["result_state"]
        return states


def _run_to_end(writer, table: str) -> dict | None:
    """Run an availableNow stream into ``table`` to its end; ``{error: CONDITION}`` if it fails."""
    try:
        writer.toTable(table).awaitTermination()
    except Exception as exc:  # noqa: BLE001 - a failing stream is an outcome when it has a condition
        cond = _condition_in_text(str(exc)) or error_condition(exc)
        if cond is None:
            raise
        return {"error": cond}
    return None


def _temp_views(scenario: dict) -> set[str]:
    """The temporary views a scenario creates (``CREATE ... TEMP[ORARY] VIEW name``; a stream's ``src``).

    Example:
        >>> sorted(_temp_views({"kind": "sql", "sql": ["CREATE OR REPLACE TEMP VIEW u AS SELECT 1"]}))
        ['u']
    """
    import re

    text = json.dumps(scenario)
    views = set(re.findall(r"TEMP(?:ORARY)?\s+VIEW\s+(?:IF\s+NOT\s+EXISTS\s+)?`?(\w+)", text, flags=re.I))
    return views | ({"src"} if scenario.get("kind") == "stream" else set())


def _list(value) -> list:
    return [] if value is None else value if isinstance(value, list) else [value]


def _first(statement) -> str:
    text = statement["sql"] if isinstance(statement, dict) else statement
    return " ".join(str(text).split())[:60]


def _condition_in_text(text: str) -> str | None:
    """The condition of a failed stream's root cause: the last ``[COND]`` of its text that is not a
    wrapper (the stream, the write task, the Python worker).

    Example:
        >>> _condition_in_text("[STREAM_FAILED] ... [TASK_WRITE_FAILED] ... [PYTHON_EXCEPTION] ... [UNKNOWN_FIELD] ...")
        'UNKNOWN_FIELD'
    """
    import re

    found = [m.group(1) for m in re.finditer(r"\[([A-Z][A-Z0-9_]+)(?:\.[A-Z0-9_]+)?\]", text)]
    found = [c for c in found if c not in _WRAPPERS]
    return found[-1] if found else None


_WRAPPERS = {"STREAM_FAILED", "TASK_WRITE_FAILED", "PYTHON_EXCEPTION", "PYTHON_DATA_SOURCE_ERROR"}


def scratch_dir() -> Path:
    """A fresh temporary folder for a run of the bank's scenarios."""
    return Path(tempfile.mkdtemp(prefix="exam-bank-"))
