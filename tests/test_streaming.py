"""``lakehouse.streaming``: progress read by attribute, bounded waits, errors, the live line, the plot."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import pytest  # noqa: E402

from lakehouse import streaming  # noqa: E402

ROW = {"batchId": 2, "timestamp": "2024-01-01T00:00:00.000Z", "numInputRows": 10, "inputRowsPerSecond": 5.0,
       "processedRowsPerSecond": 20.0, "durationMs": 500, "watermark": None, "stateRows": 0,
       "rowsDroppedByWatermark": 0}


@pytest.fixture(scope="module")
def finished(spark, tmp_path_factory):
    """A finished availableNow query over a 5-row Delta table, and its progress."""
    root = tmp_path_factory.mktemp("streaming")
    spark.range(5).selectExpr("id", "current_timestamp() AS ts").write.format("delta").save(str(root / "src"))
    query = (spark.readStream.format("delta").load(str(root / "src")).withWatermark("ts", "1 minute")
             .dropDuplicatesWithinWatermark(["id"]).writeStream.format("delta")
             .option("checkpointLocation", str(root / "ckpt")).queryName("test_streaming_ok")
             .trigger(availableNow=True).start(str(root / "out")))
    last = streaming.wait_until_processed(query, timeout_s=120)
    return dict(query=query, last=last, root=root)


def test_progress_is_read_by_attribute(finished):
    rows = streaming.progress(finished["query"])
    assert list(rows[0]) == list(streaming.PROGRESS_COLUMNS)
    assert sum(r["numInputRows"] for r in rows) == 5  # the dict-style p["numInputRows"] may be None in 4.2
    assert rows[0]["watermark"] is not None and rows[0]["stateRows"] == 5
    assert finished["last"] == rows[-1]["batchId"]
    assert streaming.progress_line(rows[0]).startswith(f"batch {rows[0]['batchId']} | 5 rows")


def test_show_live_on_a_finished_query_and_the_plot(finished, capsys):
    rows = streaming.show_live(finished["query"], timeout_s=10)
    assert "[test_streaming_ok] batch" in capsys.readouterr().out
    ax = streaming.plot_progress(rows, title="t")
    assert ax.get_title() == "t" and len(ax.patches) == len(rows)


def test_a_long_wait_in_a_notebook_says_what_it_waits_for(spark, finished, monkeypatch, capsys):
    """Issue 32: a cell that waits on a stream for more than PROGRESS_AFTER_S shows a live line (here
    after 0 s, and outside a kernel the line is printed, so the test reads it)."""
    monkeypatch.setattr(streaming, "PROGRESS_AFTER_S", 0.0)
    monkeypatch.setattr(streaming._LiveLine, "in_notebook", staticmethod(lambda: True))
    root = finished["root"]
    query = (spark.readStream.format("delta").load(str(root / "src")).writeStream.format("delta")
             .option("checkpointLocation", str(root / "ckpt_live")).queryName("test_streaming_live")
             .trigger(availableNow=True).start(str(root / "out_live")))
    streaming.wait_until_processed(query, timeout_s=120)
    out = capsys.readouterr().out
    assert "[test_streaming_live] caught up in" in out, out
    monkeypatch.setattr(streaming._LiveLine, "in_notebook", staticmethod(lambda: False))
    streaming.wait_until_processed(query, timeout_s=120)
    assert "caught up" not in capsys.readouterr().out  # outside a notebook nothing is printed


def test_a_failed_query_raises_its_python_error_line(spark, tmp_path):
    def boom(batch_df, batch_id):
        raise ValueError("boom in batch")

    spark.range(3).write.format("delta").save(str(tmp_path / "src"))
    query = (spark.readStream.format("delta").load(str(tmp_path / "src")).writeStream.foreachBatch(boom)
             .option("checkpointLocation", str(tmp_path / "ckpt")).trigger(availableNow=True).start())
    with pytest.raises(streaming.StreamingError) as err:
        streaming.wait_until_processed(query, timeout_s=120)
    assert err.value.code == "STREAMING_ERROR"
    assert "ValueError: boom in batch" in str(err.value)


def test_active_and_stop_by_prefix(spark, tmp_path):
    spark.range(1).write.format("delta").save(str(tmp_path / "src"))
    query = (spark.readStream.format("delta").load(str(tmp_path / "src")).writeStream.format("delta")
             .queryName("test_stop_me").option("checkpointLocation", str(tmp_path / "ckpt"))
             .trigger(processingTime="30 seconds").start(str(tmp_path / "out")))
    assert [q.name for q in streaming.active(spark, "test_stop_")] == ["test_stop_me"]
    assert streaming.stop(spark, "test_stop_") == ["test_stop_me"]
    assert not query.isActive


@pytest.mark.parametrize("call", [
    lambda: streaming.active(None, ""),
    lambda: streaming.stop(None, 5),
    lambda: streaming.wait_until_processed(None, timeout_s=0),
    lambda: streaming.wait_until_processed(None, poll_s=True),
    lambda: streaming.show_live(None, until="soon"),
    lambda: streaming.plot_progress([]),
])
def test_bad_arguments(call):
    with pytest.raises(streaming.StreamingError) as err:
        call()
    assert err.value.code == "STREAMING_ERROR"


def test_first_error_line_finds_the_python_exception():
    text = ("[PYTHON_EXCEPTION] Found error inside foreachBatch Python process: Traceback (most recent call last):\n"
            '  File "x.py", line 1, in f\n    raise ValueError("bad")\nValueError: bad\n\nJVM stacktrace: ...')
    assert streaming._first_error_line(text) == "ValueError: bad"
    assert streaming._first_error_line("one\ntwo") == "one"
    assert streaming.progress_line(ROW) == "batch 2 | 10 rows | 20 rows/s | 500 ms"
