"""Tests of the Spark-free part of ``lakehouse.datagen``: determinism, formats, manifest counts,
defect kinds and rates (recounted from the files themselves), bad arguments, and the CLI.

The landing of batches (which needs Spark for the ticket table) is in test_datagen_arrival.py.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import datetime
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lakehouse.cli import main
from lakehouse.datagen import (DEFAULT_BATCHES, DEFECT_RATES, SOURCES, TINY_SCALE, arrive, batch_folder, generate, land_files,
                               landed_batches, read_manifest)
from lakehouse.datagen.clickstream import BOT_EVENT_ID_BASE, DRIFT_COLUMN, SCHEMA
from lakehouse.datagen.defects import BOT_SESSION_EVENTS, bot_event_count, defect_count, defect_kinds
from lakehouse.datagen.errors import (ArrivalConflictError, BadArgumentError, DatagenError, ManifestError,
                                      OutputConflictError, OutputDirError)
from lakehouse.datagen.manifest import EXTRA_ROW_DEFECTS
from lakehouse.datagen.tickets import CHANGE_SCHEMA, OPERATIONS
from lakehouse.datagen.transactions import COLUMNS as TXN_COLUMNS
from lakehouse.errors import LakehouseError

SCALE = 0.05  # 500 customers, 25k transactions, 50k events, 1k tickets: under a second


@pytest.fixture(scope="module")
def generated(tmp_path_factory) -> tuple[Path, dict]:
    out = tmp_path_factory.mktemp("gen") / "landing"
    return out, generate(out, scale=SCALE, seed=42, progress=False)


def _staged(out: Path, batch: int, path: str) -> Path:
    return batch_folder(out, batch) / path


def _epoch(iso: str) -> float:
    return datetime.fromisoformat(iso.replace("Z", "+00:00")).timestamp()


def _all_files(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


def _crm_lines(out: Path, manifest: dict, batch: int) -> list[str]:
    lines = []
    for f in manifest["batches"][batch]["sources"]["crm"]["files"]:
        text = _staged(out, batch, f["path"]).read_text()
        lines += text.splitlines()
    return lines


def _known_customers(out: Path, manifest: dict) -> set[str]:
    known = set()
    for b in range(manifest["num_batches"]):
        for line in _crm_lines(out, manifest, b):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            if rec["operation"] == "INSERT":
                known.add(rec["customer_id"])
    return known


# --- determinism -------------------------------------------------------------------------------

def test_same_seed_and_scale_give_identical_files(generated, tmp_path):
    out, manifest = generated
    again = generate(tmp_path / "again", scale=SCALE, seed=42, progress=False)
    assert again == manifest
    assert _all_files(tmp_path / "again") == _all_files(out)


def test_another_seed_gives_other_records(generated, tmp_path):
    out, manifest = generated
    other = generate(tmp_path / "other", scale=SCALE, seed=43, progress=False)
    path = manifest["batches"][0]["sources"]["transactions"]["files"][0]["path"]
    assert _staged(tmp_path / "other", 0, path).read_bytes() != _staged(out, 0, path).read_bytes()
    assert other["sizes"] == manifest["sizes"]


def test_sizes_scale_linearly():
    from lakehouse.datagen.plan import make_plan

    one, tiny = make_plan(scale=1), make_plan(scale=TINY_SCALE)
    assert (one.n_customers, one.n_transactions, one.n_events, one.n_tickets) == (10_000, 500_000, 1_000_000, 20_000)
    assert (tiny.n_customers, tiny.n_transactions, tiny.n_events, tiny.n_tickets) == (100, 5_000, 10_000, 200)


# --- formats -----------------------------------------------------------------------------------

def test_layout_and_manifest_header(generated):
    out, manifest = generated
    assert manifest == read_manifest(out)
    assert manifest["seed"] == 42 and manifest["scale"] == SCALE and manifest["num_batches"] == DEFAULT_BATCHES
    assert manifest["sources"] == list(SOURCES)
    assert manifest["defect_rates"] == DEFECT_RATES
    assert [b["batch"] for b in manifest["batches"]] == list(range(DEFAULT_BATCHES))
    assert (out / "_truth" / "customers.parquet").is_file()
    assert not list(out.glob(".datagen-*")), "the staging folder must be gone"
    for b in manifest["batches"]:
        assert _epoch(b["window"]["end"]) - _epoch(b["window"]["start"]) == manifest["timeline"]["batch_seconds"]
        for source in SOURCES:
            for f in b["sources"][source]["files"]:
                assert _staged(out, b["batch"], f["path"]).is_file()
                assert f["path"].startswith(source + "/") and not Path(f["path"]).name.startswith(("_", "."))


def test_batch_folder_is_where_the_generator_staged_each_source(generated):
    out, manifest = generated
    for b in manifest["batches"]:
        for source in SOURCES:
            folder = batch_folder(out, b["batch"], source)
            listed = sorted(Path(f["path"]).name for f in b["sources"][source]["files"])
            assert sorted(p.name for p in folder.iterdir()) == listed
            assert folder.parent == batch_folder(str(out), b["batch"])
    assert {p.name for p in (out / "_batches").iterdir()} == {f"{b:03d}" for b in range(manifest["num_batches"])}


@pytest.mark.parametrize("batch, source", [(-1, None), (True, None), ("0", None), (1.0, None), (0, "tickets"), (0, "")])
def test_batch_folder_refuses_a_bad_batch_or_source(batch, source):
    with pytest.raises(BadArgumentError) as info:
        batch_folder("data/landing", batch, source)
    assert ("batch" if source is None else "source") in str(info.value)


def test_crm_is_json_lines_with_nested_address_and_cdc_columns(generated):
    out, manifest = generated
    ops = set()
    for b in range(manifest["num_batches"]):
        for line in _crm_lines(out, manifest, b):
            try:
                rec = json.loads(line)
            except ValueError:
                continue
            ops.add(rec["operation"])
            assert isinstance(rec["sequence_num"], int) and rec["updated_at"].endswith("Z")
            if rec["operation"] == "DELETE":
                assert set(rec) == {"customer_id", "operation", "sequence_num", "updated_at"}
            else:
                assert set(rec["address"]) == {"street", "city", "state", "postal_code", "country"}
                assert {"email", "phone", "signup_date", "loyalty_tier", "marketing_consent"} <= set(rec)
                assert isinstance(rec["marketing_consent"], bool)
    assert ops == {"INSERT", "UPDATE", "DELETE"}


def test_transactions_are_csv_with_header(generated):
    out, manifest = generated
    for b in manifest["batches"]:
        for f in b["sources"]["transactions"]["files"]:
            data = _staged(out, b["batch"], f["path"]).read_bytes()
            if f["rows"] == 0:
                assert data == b""
                continue
            assert data.split(b"\n", 1)[0].decode() == ",".join(TXN_COLUMNS)


def test_clickstream_parquet_schema_drifts_from_the_middle_batch(generated):
    out, manifest = generated
    drift_from = manifest["num_batches"] // 2
    for b in manifest["batches"]:
        entry = b["sources"]["clickstream"]
        for f in entry["files"]:
            schema = pq.read_schema(_staged(out, b["batch"], f["path"]))
            expected = SCHEMA.append(pa.field(DRIFT_COLUMN, pa.string())) if b["batch"] >= drift_from else SCHEMA
            assert schema.remove_metadata() == expected.remove_metadata()
            assert entry["columns"] == schema.names
        assert (DRIFT_COLUMN in entry["columns"]) == (b["batch"] >= drift_from)


def test_ticket_change_sets_have_the_table_columns_and_change_kinds(generated):
    out, manifest = generated
    for b in manifest["batches"]:
        entry = b["sources"]["support_tickets"]
        table = pq.read_table(_staged(out, b["batch"], entry["files"][0]["path"]))
        assert table.schema.remove_metadata() == CHANGE_SCHEMA
        kinds = table.column("change").to_pylist()
        assert {k: kinds.count(k) for k in OPERATIONS} == entry["operations"]
        seq = table.column("change_seq").to_pylist()
        assert seq == sorted(seq)
    total = manifest["totals"]["support_tickets"]["operations"]
    assert total["open"] == manifest["sizes"]["tickets"] and total["update"] > 0 and total["close"] > 0
    assert total["delete"] > 0


# --- manifest counts equal the files' real counts ------------------------------------------------

def _real_rows(path: Path, source: str) -> int:
    if source == "crm":
        return len(path.read_text().splitlines())
    if source == "transactions":
        data = path.read_bytes()
        return 0 if not data else len(data.decode().splitlines()) - 1
    return pq.ParquetFile(path).metadata.num_rows


def test_manifest_rows_equal_real_rows(generated):
    out, manifest = generated
    for b in manifest["batches"]:
        for source in SOURCES:
            entry = b["sources"][source]
            real = [_real_rows(_staged(out, b["batch"], f["path"]), source) for f in entry["files"]]
            assert real == [f["rows"] for f in entry["files"]], (b["batch"], source)
            assert entry["rows"] == sum(real)
            extra = sum(entry["defects"][k] for k in EXTRA_ROW_DEFECTS[source])
            assert entry["rows"] == entry["records"] + extra, (b["batch"], source)
    for source in SOURCES:
        assert manifest["totals"][source]["rows"] == sum(b["sources"][source]["rows"] for b in manifest["batches"])
    assert manifest["totals"]["transactions"]["records"] == manifest["sizes"]["transactions"]
    assert manifest["totals"]["clickstream"]["records"] == manifest["sizes"]["click_events"]


# --- every defect kind: recounted from the files, equal to the manifest, at its rate --------------

def _recount_crm(out, manifest) -> list[dict]:
    known = _known_customers(out, manifest)
    newest: dict[str, int] = {}
    found = []
    for b in range(manifest["num_batches"]):
        counts = dict.fromkeys(defect_kinds("crm"), 0)
        counts["empty_file"] = sum(f["rows"] == 0 and _staged(out, b, f["path"]).stat().st_size == 0
                                   for f in manifest["batches"][b]["sources"]["crm"]["files"])
        seen = []
        for line in _crm_lines(out, manifest, b):
            try:
                rec = json.loads(line)
            except ValueError:
                counts["malformed_json"] += 1
                continue
            cid = rec["customer_id"]
            if cid is None:
                counts["null_customer_id"] += 1
            elif cid not in known:
                counts["unknown_customer_id"] += 1
            elif rec["sequence_num"] < newest.get(cid, 0):
                counts["out_of_order"] += 1
            else:
                seen.append((cid, rec["sequence_num"]))
        for cid, seq in seen:
            newest[cid] = max(newest.get(cid, 0), seq)
        found.append(counts)
    return found


def _recount_transactions(out, manifest) -> list[dict]:
    known = _known_customers(out, manifest)
    found = []
    for b in manifest["batches"]:
        start = _epoch(b["window"]["start"])
        counts = dict.fromkeys(defect_kinds("transactions"), 0)
        ids = set()
        for f in b["sources"]["transactions"]["files"]:
            text = _staged(out, b["batch"], f["path"]).read_text()
            if not text:
                counts["empty_file"] += 1
                continue
            for row in list(csv.reader(io.StringIO(text)))[1:]:
                if row[0] in ids:
                    counts["duplicate"] += 1
                    continue
                ids.add(row[0])
                if len(row) == len(TXN_COLUMNS) - 1:
                    counts["missing_field"] += 1
                    continue
                try:
                    amount, _ = float(row[3]), int(row[7])
                except ValueError:
                    counts["wrong_type"] += 1
                    continue
                if row[1] == "":
                    counts["null_customer_id"] += 1
                elif row[1] not in known:
                    counts["unknown_customer_id"] += 1
                elif amount < 0:
                    counts["negative_amount"] += 1
                elif _epoch(row[2]) < start:
                    counts["late_event"] += 1
        found.append(counts)
    return found


def _recount_clickstream(out, manifest) -> list[dict]:
    known = _known_customers(out, manifest)
    found = []
    for b in manifest["batches"]:
        start = _epoch(b["window"]["start"])
        counts = dict.fromkeys(defect_kinds("clickstream"), 0)
        ids = set()
        for f in b["sources"]["clickstream"]["files"]:
            table = pq.read_table(_staged(out, b["batch"], f["path"]))
            if DRIFT_COLUMN in table.column_names:
                counts["schema_drift"] += table.num_rows
            for eid, cid, ts in zip(table.column("event_id").to_pylist(), table.column("customer_id").to_pylist(),
                                    table.column("event_ts").to_pylist()):
                if eid in ids:
                    counts["duplicate"] += 1
                    continue
                ids.add(eid)
                if eid >= "E%010d" % BOT_EVENT_ID_BASE:
                    counts["bot_event"] += 1
                elif cid is not None and cid not in known:
                    counts["unknown_customer_id"] += 1
                elif ts.timestamp() < start:
                    counts["late_event"] += 1
        found.append(counts)
    return found


def _recount_tickets(out, manifest) -> list[dict]:
    known = _known_customers(out, manifest)
    found = []
    for b in manifest["batches"]:
        table = pq.read_table(_staged(out, b["batch"], b["sources"]["support_tickets"]["files"][0]["path"]))
        opens = [c for c, k in zip(table.column("customer_id").to_pylist(), table.column("change").to_pylist())
                 if k == "open"]
        found.append({"unknown_customer_id": sum(c not in known for c in opens)})
    return found


@pytest.mark.parametrize("source, recount", [("crm", _recount_crm), ("transactions", _recount_transactions),
                                             ("clickstream", _recount_clickstream),
                                             ("support_tickets", _recount_tickets)])
def test_defect_counts_are_exact_and_at_their_rates(generated, source, recount):
    out, manifest = generated
    real = recount(out, manifest)
    for b, counts in zip(manifest["batches"], real):
        entry = b["sources"][source]
        assert counts == entry["defects"], (source, b["batch"])
        for kind, rate in DEFECT_RATES[source].items():
            expected = defect_count(rate, entry["records"])
            if kind == "bot_event":
                expected = bot_event_count(entry["records"])  # whole bot sessions
            if source == "crm" and kind == "out_of_order" and b["batch"] == 0:
                expected = 0  # nothing was delivered before the first batch
            assert entry["defects"][kind] == expected, (source, kind, b["batch"])
    totals = manifest["totals"][source]["defects"]
    assert all(v > 0 for v in totals.values()), f"every defect kind of {source} must be present: {totals}"
    for kind, rate in DEFECT_RATES[source].items():  # over the whole data set: off by < 1 row per batch
        batches = manifest["batches"][1:] if (source, kind) == ("crm", "out_of_order") else manifest["batches"]
        records = sum(b["sources"][source]["records"] for b in batches)
        slack = BOT_SESSION_EVENTS if kind == "bot_event" else 1  # whole sessions, at least one
        assert abs(totals[kind] - rate * records) <= slack * len(batches), (source, kind, totals[kind], rate * records)


def test_file_level_defects(generated):
    out, manifest = generated
    assert manifest["totals"]["crm"]["defects"]["empty_file"] == 1
    assert manifest["totals"]["transactions"]["defects"]["empty_file"] == 1
    drift = [b["sources"]["clickstream"]["defects"]["schema_drift"] for b in manifest["batches"]]
    half = manifest["num_batches"] // 2
    assert drift[:half] == [0] * half
    assert drift[half:] == [b["sources"]["clickstream"]["rows"] for b in manifest["batches"][half:]]


def test_behaviour_is_correlated_with_churn(generated):
    out, manifest = generated
    truth = pq.read_table(out / "_truth" / "customers.parquet").to_pandas().set_index("customer_id")
    buys: dict[str, int] = {}
    negative: dict[str, int] = {}
    for b in manifest["batches"]:
        for f in b["sources"]["transactions"]["files"]:
            for row in list(csv.reader(io.StringIO(_staged(out, b["batch"], f["path"]).read_text())))[1:]:
                buys[row[1]] = buys.get(row[1], 0) + 1
        table = pq.read_table(_staged(out, b["batch"], b["sources"]["support_tickets"]["files"][0]["path"]))
        for cid, kind, body in zip(*(table.column(c).to_pylist() for c in ("customer_id", "change", "body"))):
            if kind == "open" and any(w in body for w in ("frustrated", "unacceptable", "furious", "disappointed",
                                                           "Third time")):
                negative[cid] = negative.get(cid, 0) + 1
    truth["buys"] = [buys.get(c, 0) for c in truth.index]
    truth["negative"] = [negative.get(c, 0) for c in truth.index]
    assert truth["churn_risk"].corr(truth["negative"]) > 0.25
    assert truth["churn_risk"].corr(truth["buys"]) < -0.1
    by_churn = truth.groupby("churned")[["buys", "negative"]].mean()
    assert by_churn.loc[True, "buys"] < by_churn.loc[False, "buys"]
    assert by_churn.loc[True, "negative"] > by_churn.loc[False, "negative"]


# --- the output folder and atomicity -------------------------------------------------------------

def test_same_data_set_again_writes_nothing(generated):
    out, manifest = generated
    stamp = (out / "_manifest.json").stat().st_mtime_ns
    assert generate(out, scale=SCALE, seed=42, progress=False) == manifest
    assert (out / "_manifest.json").stat().st_mtime_ns == stamp


def test_folder_of_another_seed_is_refused_and_left_alone(generated):
    out, _ = generated
    before = _all_files(out)
    with pytest.raises(OutputConflictError) as err:
        generate(out, scale=SCALE, seed=7, progress=False)
    assert err.value.code == "DATAGEN_OUTPUT_CONFLICT"
    with pytest.raises(OutputConflictError):
        generate(out, scale=TINY_SCALE, seed=42, progress=False)
    assert _all_files(out) == before


def test_foreign_or_unusable_folders_are_refused(tmp_path):
    (tmp_path / "foreign").mkdir()
    (tmp_path / "foreign" / "notes.txt").write_text("mine")
    with pytest.raises(OutputDirError) as err:
        generate(tmp_path / "foreign", scale=TINY_SCALE, progress=False)
    assert err.value.code == "DATAGEN_OUTPUT_DIR"
    assert sorted(p.name for p in (tmp_path / "foreign").iterdir()) == ["notes.txt"]  # left as it was
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputDirError):
        generate(tmp_path / "a-file", scale=TINY_SCALE, progress=False)
    with pytest.raises(OutputDirError):
        generate(tmp_path / "a-file" / "below", scale=TINY_SCALE, progress=False)
    assert not (tmp_path / "foreign" / "_batches").exists()


def test_interrupted_run_is_cleaned_up(tmp_path):
    out = tmp_path / "landing"
    (out / ".datagen-crashed" / "_batches").mkdir(parents=True)
    (out / "_batches" / "000").mkdir(parents=True)
    (out / "_batches" / "000" / "half.json").write_text("{")
    manifest = generate(out, scale=TINY_SCALE, seed=5, batches=2, progress=False)
    assert not (out / "_batches" / "000" / "half.json").exists()
    assert not list(out.glob(".datagen-*"))
    assert manifest["num_batches"] == 2 and len(list((out / "_batches").iterdir())) == 2


def test_progress_bar_shows(tmp_path, capsys):
    generate(tmp_path / "p", scale=TINY_SCALE, batches=1, progress=True)
    assert "generating data" in capsys.readouterr().err


# --- bad arguments -------------------------------------------------------------------------------

@pytest.mark.parametrize("kwargs", [
    {"scale": -1}, {"scale": 0}, {"scale": 100}, {"scale": "1"}, {"scale": True}, {"scale": float("nan")},
    {"seed": -1}, {"seed": 1.5}, {"seed": "42"}, {"seed": None},
    {"batches": 0}, {"batches": 61}, {"batches": 2.0},
    {"progress": "yes"},
])
def test_generate_rejects_bad_arguments(tmp_path, kwargs):
    with pytest.raises(BadArgumentError) as err:
        generate(tmp_path / "x", **kwargs)
    assert err.value.code == "DATAGEN_BAD_ARGUMENT"
    assert isinstance(err.value, DatagenError) and isinstance(err.value, LakehouseError)
    assert not (tmp_path / "x" / "_batches").exists()


@pytest.mark.parametrize("out", [None, 123, ""])
def test_generate_rejects_a_bad_out(out):
    with pytest.raises(BadArgumentError):
        generate(out, scale=TINY_SCALE)


def test_read_manifest_errors(tmp_path):
    with pytest.raises(BadArgumentError):
        read_manifest(42)
    with pytest.raises(ManifestError) as err:
        read_manifest(tmp_path)
    assert err.value.code == "DATAGEN_MANIFEST"
    (tmp_path / "_manifest.json").write_text("{not json")
    with pytest.raises(ManifestError):
        read_manifest(tmp_path)
    (tmp_path / "_manifest.json").write_text('{"seed": 1}')
    with pytest.raises(ManifestError):
        read_manifest(tmp_path)


@pytest.mark.parametrize("batches", [0, -1, "some", True, 1.5, None])
def test_arrive_rejects_bad_batches(generated, tmp_path, batches):
    out, _ = generated
    with pytest.raises(BadArgumentError):
        arrive(out, tmp_path / "t", batches=batches)
    assert not (tmp_path / "t").exists()


def test_arrive_rejects_bad_folders(generated, tmp_path):
    out, _ = generated
    with pytest.raises(BadArgumentError):
        arrive(None, tmp_path / "t")
    with pytest.raises(BadArgumentError):
        arrive(out, 3.5)
    with pytest.raises(BadArgumentError):
        arrive(out, tmp_path / "t", verbose="loud")
    with pytest.raises(ManifestError):
        arrive(tmp_path, tmp_path / "t")
    (tmp_path / "a-file").write_text("x")
    with pytest.raises(OutputDirError):
        arrive(out, tmp_path / "a-file" / "below")


def test_arrive_refuses_a_landing_folder_of_another_data_set(generated, tmp_path):
    out, manifest = generated
    target = tmp_path / "landing"
    target.mkdir()
    state = {"format_version": 1, "source": "/elsewhere", "seed": 1, "scale": 1.0, "num_batches": 6, "landed": [0]}
    (target / "_arrivals.json").write_text(json.dumps(state))
    with pytest.raises(ArrivalConflictError) as err:
        arrive(out, target)
    assert err.value.code == "DATAGEN_ARRIVAL_CONFLICT"
    assert sorted(p.name for p in target.iterdir()) == [".arrivals.lock", "_arrivals.json"]
    other = tmp_path / "filled-by-hand"
    (other / "crm").mkdir(parents=True)
    with pytest.raises(ArrivalConflictError):
        arrive(out, other)


def test_landed_batches(tmp_path):
    assert landed_batches(tmp_path) == []
    (tmp_path / "_arrivals.json").write_text(json.dumps({"landed": [0, 1]}))
    assert landed_batches(tmp_path) == [0, 1]
    (tmp_path / "_arrivals.json").write_text("[")
    with pytest.raises(ArrivalConflictError):
        landed_batches(tmp_path)
    with pytest.raises(BadArgumentError):
        landed_batches(None)


# --- command line --------------------------------------------------------------------------------

def test_cli_generate(tmp_path, capsys):
    out = tmp_path / "landing"
    assert main(["data", "generate", "--scale", str(TINY_SCALE), "--seed", "3", "--batches", "2",
                 "--out", str(out), "--no-progress"]) == 0
    assert read_manifest(out)["seed"] == 3
    assert "lakehouse data arrive" in capsys.readouterr().out
    assert main(["data", "generate", "--scale", str(TINY_SCALE), "--seed", "3", "--batches", "2",
                 "--out", str(out), "--no-progress"]) == 0
    assert "nothing to do" in capsys.readouterr().out


@pytest.mark.parametrize("flags, code", [
    (["--scale", "-1"], "DATAGEN_BAD_ARGUMENT"),
    (["--scale", "abc"], "DATAGEN_BAD_ARGUMENT"),
    (["--seed", "x"], "DATAGEN_BAD_ARGUMENT"),
    (["--batches", "0"], "DATAGEN_BAD_ARGUMENT"),
    (["--seed", "9"], "DATAGEN_OUTPUT_CONFLICT"),
])
def test_cli_generate_bad_flags_print_one_error_and_exit_2(generated, flags, code, capsys):
    out, _ = generated
    before = _all_files(out)
    assert main(["data", "generate", "--out", str(out), "--scale", str(SCALE), "--no-progress", *flags]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error [{code}]:") and "Traceback" not in err
    assert _all_files(out) == before


def test_cli_generate_unwritable_out(tmp_path, capsys):
    (tmp_path / "a-file").write_text("x")
    assert main(["data", "generate", "--out", str(tmp_path / "a-file" / "d"), "--no-progress"]) == 2
    assert capsys.readouterr().err.startswith("error [DATAGEN_OUTPUT_DIR]:")


def test_cli_arrive_bad_flags(generated, tmp_path, capsys):
    out, _ = generated
    assert main(["data", "arrive", "--source", str(out), "--target", str(tmp_path / "t"), "--batches", "x"]) == 2
    assert capsys.readouterr().err.startswith("error [DATAGEN_BAD_ARGUMENT]:")
    assert main(["data", "arrive", "--source", str(tmp_path / "nothing-here"), "--target", str(tmp_path / "t")]) == 2
    assert capsys.readouterr().err.startswith("error [DATAGEN_MANIFEST]:")


def test_defect_count_rule():
    assert defect_count(0.01, 0) == 0
    assert defect_count(0.0, 1000) == 0
    assert defect_count(0.01, 10) == 1
    assert defect_count(0.01, 250) == 3
    assert defect_count(0.02, 1000, eligible=5) == 5
    assert np.isclose(defect_count(0.005, 100_000) / 100_000, 0.005)


def test_land_files_lands_some_sources_once(generated, tmp_path):
    out, manifest = generated
    files = manifest["batches"][0]["sources"]["transactions"]["files"]
    assert land_files(out, tmp_path, 0, sources=("transactions",)) == len(files)
    assert land_files(out, tmp_path, 0, sources=("transactions",)) == 0  # already there: left alone
    assert sorted(p.name for p in (tmp_path / "transactions").iterdir()) == sorted(f["path"].split("/")[1] for f in files)
    assert not (tmp_path / "crm").exists() and not (tmp_path / "_arrivals.json").exists()


@pytest.mark.parametrize("kwargs", [dict(batch=99), dict(batch=True), dict(batch=0, sources=("tickets",)),
                                    dict(batch=0, sources="transactions")])
def test_land_files_bad_arguments(generated, tmp_path, kwargs):
    from lakehouse.datagen.errors import BadArgumentError

    batch = kwargs.pop("batch")
    with pytest.raises(BadArgumentError) as err:
        land_files(generated[0], tmp_path, batch, **kwargs)
    assert err.value.code == BadArgumentError.code


def test_two_generators_on_one_folder_make_it_once(tmp_path):
    # Two processes (two notebooks, or two test workers) ask for the same data set at once: the
    # second waits for the first and returns the same manifest; the folder is whole.
    import multiprocessing

    out = tmp_path / "same"
    with multiprocessing.get_context("spawn").Pool(2) as pool:
        first, second = pool.starmap(_generate_quietly, [(str(out), SCALE), (str(out), SCALE)])
    assert first == second == read_manifest(out)
    assert not list(out.glob(".datagen-*"))  # no staging folder left behind
    assert generate(out, scale=SCALE, seed=42, progress=False) == first


def _generate_quietly(out: str, scale: float) -> dict:
    return generate(out, scale=scale, seed=42, progress=False)


def test_progress_in_a_notebook_leaves_no_widget_behind(tmp_path):
    """In a real Jupyter kernel (with ipywidgets installed), the data generation's progress is text:
    a widget bar saved in a notebook shows "Error displaying widget: model not found" on reopen."""
    from jupyter_client.manager import start_new_kernel

    km, kc = start_new_kernel(kernel_name="python3")
    try:
        msg_id = kc.execute(f"from lakehouse.datagen import generate\n"
                            f"generate({str(tmp_path / 'data')!r}, scale={TINY_SCALE})\nprint('done')")
        outputs = []
        while True:
            msg = kc.get_iopub_msg(timeout=120)
            if msg["parent_header"].get("msg_id") != msg_id:
                continue
            if msg["msg_type"] == "status" and msg["content"]["execution_state"] == "idle":
                break
            outputs.append(msg)
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)
    kinds = {m["msg_type"] for m in outputs}
    assert "error" not in kinds, [m["content"] for m in outputs if m["msg_type"] == "error"]
    shown = [m["content"] for m in outputs if m["msg_type"] in ("display_data", "update_display_data")]
    assert not [d for d in shown if "application/vnd.jupyter.widget-view+json" in d.get("data", {})], shown
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    assert "generating data" in text and "done" in text
