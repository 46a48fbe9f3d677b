"""The exam's question bank: its schema and coverage, malformed items named by file and line, and
every "predict the result" key recomputed on the engine (issue 33).

``test_every_predict_key_agrees_with_its_run`` runs each scenario once, in one Spark session,
a schema per item; its time is printed (``-s``) and kept in the junit report.
"""

from __future__ import annotations

import math
import re
import textwrap
import time
from collections import Counter
from pathlib import Path

import pytest

from lakehouse.course.exam.bank import BANK_DIR, BankError, load_bank
from lakehouse.course.exam.check import check_bank, predict_items
from lakehouse.course.exam.scenarios import Runner

BANK = load_bank()
# the topics issue 33 asks the predict items to cover, by scenario kind (Delta/MERGE run as sql)
KINDS_ASKED = {"sql", "autoloader", "stream", "pipeline", "cdc", "governed", "job"}


def test_the_bank_has_120_items_and_a_third_predict_the_result():
    predict = predict_items(BANK)
    assert len(BANK.items) >= 120
    assert 3 * len(predict) >= len(BANK.items), (len(predict), len(BANK.items))
    assert {i.scenario["kind"] for i in predict} == KINDS_ASKED
    assert any("MERGE" in " ".join(map(str, i.scenario.get("sql", []))) for i in predict)


def test_every_section_is_covered_at_or_above_its_exam_guide_weight():
    counts = Counter(i.section for i in BANK.items)
    n = len(BANK.items)
    low = {k: (counts[k], math.ceil(s.weight * n)) for k, s in BANK.sections.items() if counts[k] < s.weight * n}
    assert not low, f"sections under their weight (items, needed): {low}"
    assert abs(sum(s.weight for s in BANK.sections.values()) - 1) <= 0.02
    assert BANK.pass_percent == 70 and BANK.sources


def test_items_are_well_formed():
    for item in BANK.items:
        assert 4 <= len(item.options) <= 5 and item.answer <= {o.id for o in item.options}, item.where
        assert item.doc.startswith("https://docs.databricks.com/"), item.where
        assert all(o.why for o in item.options), item.where
    assert len({i.id for i in BANK.items}) == len(BANK.items)
    assert any(len(i.answer) > 1 for i in BANK.items), "a few multiple-select questions, as on the exam"


def _bank(tmp_path: Path, items: str) -> Path:
    folder = tmp_path / "bank"
    folder.mkdir(parents=True)
    (folder / "sections.yaml").write_text((BANK_DIR / "sections.yaml").read_text())
    (folder / "items.yaml").write_text(textwrap.dedent(items))
    return folder


GOOD = """\
    - id: good-one
      section: ingestion
      lab: "02"
      doc: https://docs.databricks.com/aws/en/ingestion/
      stem: A question?
      options:
        A: {text: a, why: because}
        B: {text: b, why: because}
        C: {text: c, why: because}
        D: {text: d, why: because}
      answer: [A]
"""


@pytest.mark.parametrize("change, message", [
    (lambda s: s.replace('  lab: "02"\n', ""), r"items.yaml:13 \(bad-one\): missing field\(s\): lab"),
    (lambda s: s.replace("answer: [A]", "answer: [F]"), r"items.yaml:13 \(bad-one\): answer names option\(s\) that "
                                                        r"do not exist: F"),
    (lambda s: s.replace("section: ingestion", "section: cooking"), r"items.yaml:13 \(bad-one\): section 'cooking'"),
    (lambda s: s.replace("    D: {text: d, why: because}\n", ""), r"items.yaml:13 \(bad-one\): options"),
    (lambda s: s.replace("B: {text: b, why: because}", "B: {text: b}"), r"option B needs 'text' and 'why'"),
    (lambda s: s.replace("stem: A question?", "stem: A question?\n  scenario: {kind: sql, sql: [SELECT 1]}"),
     r"items.yaml:13 \(bad-one\): a scenario item gives every option a 'result'"),
])
def test_a_malformed_item_is_named_by_file_line_and_id(tmp_path, change, message):
    bad = change(textwrap.dedent(GOOD).replace("good-one", "bad-one"))
    folder = _bank(tmp_path, "items:\n" + textwrap.dedent(GOOD) + bad)
    with pytest.raises(BankError, match=message) as info:
        load_bank(folder)
    assert info.value.code == "EXAM_BANK_INVALID"


def test_a_duplicate_id_names_both_places(tmp_path):
    folder = _bank(tmp_path, "items:\n" + textwrap.dedent(GOOD) + textwrap.dedent(GOOD))
    with pytest.raises(BankError, match=r"items.yaml:13 \(good-one\): id 'good-one' is also used at items.yaml:2"):
        load_bank(folder)


SCENARIO = """\
items:
- id: predict-me
  section: transformation
  lab: "01"
  doc: https://docs.databricks.com/aws/en/delta/
  stem: How many rows?
  options:
    A: {text: "1", result: 1, why: w}
    B: {text: "2", result: 2, why: w}
    C: {text: "3", result: 3, why: w}
    D: {text: "error", result: {error: X}, why: w}
  answer: [KEY]
  scenario:
    kind: sql
    sql: [SQL]
"""


def test_every_predict_key_agrees_with_its_run(spark, tmp_path, record_property):
    start = time.perf_counter()
    report = check_bank(spark, BANK.items, work=tmp_path)
    seconds = time.perf_counter() - start
    record_property("bank_seconds", round(seconds, 1))
    print(f"\n{len(report.outcomes)} scenarios in {seconds:.1f} s: "
          + ", ".join(f"{k} {v:.1f} s" for k, v in sorted(report.seconds.items())))
    kinds = {i.id: i.scenario["kind"] for i in predict_items(BANK)}
    for item_id, took in report.item_seconds.items():
        record_property(f"seconds:{item_id}", round(took, 2))
        print(f"  {took:6.2f} s  {kinds.get(item_id, '?'):10} {item_id}")
    assert not report.problems, "\n".join(report.problems)
    assert len(report.outcomes) == len(predict_items(BANK))


def test_a_wrong_key_a_failing_scenario_and_an_unoffered_outcome_are_named(spark, tmp_path):
    cases = {
        "B": ("SELECT 1", r"items.yaml:2 \(predict-me\): the stored key is B but the run gives 1, the result of option A"),
        "A": ("SELECT 7", r"items.yaml:2 \(predict-me\): the run gives 7, which no option offers"),
        "C": ("SELECT * FROM no_such_table",
              r'items.yaml:2 \(predict-me\): the run gives \{"error": "TABLE_OR_VIEW_NOT_FOUND"\}, which no option'),
    }
    for key, (sql, message) in cases.items():
        folder = _bank(tmp_path / key, SCENARIO.replace("KEY", key).replace("SQL", f'"{sql}"'))
        report = check_bank(spark, load_bank(folder).items, work=tmp_path / key / "work")
        assert len(report.problems) == 1 and re.search(message, report.problems[0]), report.problems
    # a scenario missing a field of its kind fails to run, named the same way
    folder = _bank(tmp_path / "x", SCENARIO.replace("KEY", "A").replace("    sql: [SQL]\n", "    query: SELECT 1\n")
                   .replace("kind: sql", "kind: cdc"))
    report = check_bank(spark, load_bank(folder).items, work=tmp_path / "x" / "work")
    assert report.problems and "items.yaml:2 (predict-me): the scenario failed to run" in report.problems[0]


def test_the_runner_drops_its_schemas(spark, tmp_path):
    runner = Runner(spark, tmp_path, prefix="exam_drop_test")
    assert runner.run({"kind": "sql", "sql": ["CREATE TABLE t (x INT) USING delta", "SELECT count(*) FROM t"]}) == 0
    runner.close()
    assert not [r for r in spark.sql("SHOW SCHEMAS LIKE 'exam_drop_test*'").collect()]
