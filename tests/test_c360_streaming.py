"""The real-time C360 (``lakehouse.c360.realtime``) on a tiny data set: the numbers add up.

Two landed batches and a malformed file in between, one file per micro-batch: every landed
transaction row is in ``bronze_transactions`` or ``late_events``; the late rows are exactly the
generator's late rows of batch 1 (batch 0 is the first micro-batch: no watermark yet); Bronze
= Silver + rejects + duplicates; gold equals a full recomputation; a second run and a replayed
``foreachBatch`` change nothing.

Reliability: a worker process (tests/stream_worker.py, classic mode, its own LAKEHOUSE_HOME)
runs the bronze and silver queries over the same landing and is SIGKILLed at random moments
at least three times, restarting from its checkpoints; its tables must equal this clean run's,
row for row.
"""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lakehouse.c360 import realtime as st
from lakehouse.datagen import generate, land_files

SCALE = 0.01
MALFORMED = "transactions/zz-malformed-000.csv"
MALFORMED_ROWS = [
    "T9000000001,C0000001,not-a-time,1.00",                       # short row
    "T9000000002,C0000001,not-a-time,1.00,USD,web,home,1,S001,us-east,X,Y",  # too many fields
    "T9000000003,C0000001,yesterday,abc,USD,web,home,1,S001,us-east",                # wrong types
]


def _land(src: Path, landing: Path, sources) -> None:
    """Batch 0, a malformed file, batch 1: three micro-batches with one file each (batch 1 has two)."""
    land_files(src, landing, 0, sources=sources)
    (landing / MALFORMED).write_text(
        "transaction_id,customer_id,transaction_ts,amount,currency,channel,product_category,quantity,store_id,region\n"
        + "\n".join(MALFORMED_ROWS) + "\n")
    land_files(src, landing, 1, sources=sources)


@pytest.fixture(scope="module")
def rt(spark, tmp_path_factory):
    root = tmp_path_factory.mktemp("c360rt")
    manifest = generate(root / "src", scale=SCALE, seed=42, progress=False)
    schema = "spark_catalog.test_c360rt"
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")
    spark.sql(f"CREATE SCHEMA {schema}")
    layout = st.Layout(schema, str(root / "landing"), str(root / "ckpt"), str(root / "schemas"),
                       f"{schema}.silver_customers", prefix="test_rt_")
    st.prepare_customers(spark, root / "src", layout)
    _land(root / "src", root / "landing", ("transactions", "clickstream"))
    first = st.run_available(spark, layout, max_files_per_trigger=1)
    again = st.run_available(spark, layout, ("bronze", "silver"), max_files_per_trigger=1)
    yield dict(manifest=manifest, layout=layout, first=first, again=again, root=root)
    st.stop_all(spark, layout)
    spark.sql(f"DROP SCHEMA IF EXISTS {schema} CASCADE")


def _tx(manifest, batches=(0, 1)):
    return [manifest["batches"][b]["sources"]["transactions"] for b in batches]


def test_every_landed_row_is_in_bronze_or_late(rt):
    landed = sum(t["rows"] for t in _tx(rt["manifest"])) + len(MALFORMED_ROWS)
    assert rt["first"]["bronze"] + rt["first"]["late"] == landed
    assert rt["again"] == rt["first"]  # nothing new: exactly once


def test_late_rows_are_exactly_the_generators_late_rows_after_the_first_batch(rt, spark):
    m = rt["manifest"]
    batch1 = m["batches"][1]
    assert rt["first"]["late"] == batch1["sources"]["transactions"]["defects"]["late_event"]
    late = spark.table(rt["layout"].table("late"))
    assert late.where(f"event_ts >= TIMESTAMP '{batch1['window']['start']}'").count() == 0
    assert late.where("event_ts > watermark").count() == 0
    assert late.where("_source_file LIKE '%batch-001-%'").count() == rt["first"]["late"]


def test_bronze_is_silver_plus_rejects_plus_duplicates(rt, spark):
    acc = st.accounting(spark, rt["layout"])
    defects = [t["defects"] for t in _tx(rt["manifest"])]
    assert acc["duplicates_dropped"] == sum(d["duplicate"] for d in defects)
    for reason in ("wrong_type", "null_customer_id", "unknown_customer_id", "negative_amount"):
        extra = 1 if reason == "wrong_type" else 0  # the malformed file's third row
        assert acc["rejects"].get(reason, 0) == sum(d[reason] for d in defects) + extra, reason
    assert acc["silver"] == spark.table(rt["layout"].table("silver")).select("transaction_id").distinct().count()


def test_a_malformed_file_mid_stream_is_rescued_with_its_path(rt, spark):
    rejects = spark.table(rt["layout"].table("rejects")).where(f"_source_file LIKE '%{MALFORMED.split('/')[1]}'")
    assert rejects.count() == len(MALFORMED_ROWS)
    assert {r.reason for r in rejects.collect()} <= {"missing_field", "malformed_row", "rescued", "wrong_type"}


def test_gold_equals_a_full_recomputation_from_silver(rt, spark):
    gold = spark.table(rt["layout"].table("gold"))
    full = st.refresh_gold(spark.table(rt["layout"].table("silver")))
    assert gold.count() == full.count()
    assert gold.exceptAll(full.select(*gold.columns)).count() == 0


def test_a_replayed_silver_batch_changes_nothing(rt, spark):
    layout = rt["layout"]
    before = st.counts(spark, layout)
    app_id = st.txn_app_id(layout.checkpoint("silver"))
    last = spark.table(layout.table("bronze")).agg({"_batch_id": "max"}).first()[0]
    batch = (spark.table(layout.table("bronze")).where(f"_batch_id = {last}")
             .join(st.current_customers(spark, layout.customers), "customer_id", "left")
             .selectExpr("*", "1 AS __n"))
    versions = {t: spark.sql(f"DESCRIBE HISTORY {layout.table(t)}").count() for t in ("silver", "rejects", "gold")}
    st.silver_batch(layout, app_id)(batch, 0)  # what a replay of batch 0 after a crash runs (it had rows)
    assert st.counts(spark, layout) == before
    # Delta skipped the commits: the (txnAppId, txnVersion) pair is already in each table's log
    assert {t: spark.sql(f"DESCRIBE HISTORY {layout.table(t)}").count() for t in versions} == versions


def test_sessions_and_attribution_match_batch_queries(rt, spark):
    layout = rt["layout"]
    sessions = spark.table(layout.table("sessions"))
    assert sessions.count() > 0
    assert sessions.where("session_end <= session_start").count() == 0
    active = st.active_sessions_per_minute(sessions)
    assert active.agg({"active_sessions": "max"}).first()[0] >= 1
    # the generator's bot sessions (own cookies V9..., 30 clicks 1-2 s apart) and only they are flagged
    bots = sessions.where("is_bot")
    assert bots.count() >= 1
    assert bots.where("visitor NOT LIKE 'anon:V9%' OR events <> 30").count() == 0
    assert sessions.where("NOT is_bot AND visitor LIKE 'anon:V9%'").count() == 0
    attributed = spark.table(layout.table("attribution"))
    assert attributed.where("click_ts > purchase_ts OR click_ts < purchase_ts - INTERVAL 30 MINUTES").count() == 0


def test_bad_arguments(spark, tmp_path):
    layout = st.Layout("spark_catalog.nope", str(tmp_path), str(tmp_path), str(tmp_path), "spark_catalog.nope.c")
    with pytest.raises(st.StreamSetupError) as err:
        st.run_available(spark, layout, ["bronze", "nonsense"])
    assert err.value.code == "C360_STREAM_SETUP"


# Reliability: SIGKILL the process running the streams -------------------------------------------------
REPO = Path(__file__).resolve().parents[1]
KILLS = 3
COMPARE = {  # micro-batch ids are left out: files landed in the same millisecond may swap places
    "bronze": ["transaction_id", "customer_id", "transaction_ts", "amount", "event_ts"],
    "late": ["event_ts", "watermark", "record"],
    "silver": ["transaction_id", "customer_id", "transaction_ts", "amount_usd", "loyalty_tier"],
    "rejects": ["reason", "record"],
    "gold": ["minute", "region", "revenue_usd", "orders", "active_customers"],
}


def _worker(root: Path, customers: str, home: Path, log):
    """The worker in its own process group: a kill of the group takes its JVM with it."""
    env = dict(os.environ, LAKEHOUSE_HOME=str(home), LAKEHOUSE_SPARK_MODE="classic")
    for name in ("SPARK_REMOTE", "SPARK_CONNECT_MODE_ENABLED"):
        env.pop(name, None)
    return subprocess.Popen([sys.executable, str(REPO / "tests" / "stream_worker.py"), str(root), customers],
                            env=env, stdout=subprocess.PIPE, stderr=log, text=True, start_new_session=True)


def _kill(proc) -> None:
    try:
        os.killpg(proc.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    proc.wait()


def _wait_for(proc, word: str) -> str | None:
    for line in proc.stdout:  # ends when the process dies
        if line.startswith(word):
            return line
    return None


@pytest.mark.reliability
def test_sigkill_at_random_moments_gives_the_clean_result(rt, spark, tmp_path):
    rng = random.Random(int(os.environ.get("RELIABILITY_SEED", "13")))
    root, home = tmp_path / "killed", tmp_path / "home"
    _land(rt["root"] / "src", root / "landing", ("transactions",))
    customers = spark.sql(f"DESCRIBE DETAIL {rt['layout'].customers}").first().location.removeprefix("file:")
    kills, done = 0, None
    with open(tmp_path / "worker.log", "w") as log:
        for _attempt in range(KILLS + 2):
            proc = _worker(root, customers, home, log)
            try:
                assert _wait_for(proc, "READY") is not None, f"the worker did not start (exit {proc.wait()})"
                if kills < KILLS:
                    time.sleep(rng.uniform(0.5, 8.0))  # somewhere in its micro-batches (or after them)
                    if proc.poll() is None:
                        _kill(proc)
                        kills += 1
                        continue
                done = _wait_for(proc, "DONE")
                break
            finally:
                if proc.poll() is None:
                    _kill(proc)
    if done is None:
        print((tmp_path / "worker.log").read_text()[-3000:])
    assert kills >= KILLS and done is not None, f"{kills} kills, finished: {done is not None}"
    where = json.loads(done.split(" ", 1)[1])
    for name, cols in COMPARE.items():
        mine = spark.read.format("delta").load(where[name]).select(*cols)
        clean = spark.table(rt["layout"].table(name)).select(*cols)
        missing, extra = clean.exceptAll(mine).count(), mine.exceptAll(clean).count()
        assert (missing, extra) == (0, 0), f"{name}: {missing} rows missing, {extra} rows too many"
