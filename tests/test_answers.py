"""One source per reference answer, and hints that nudge without giving the code away.

* Every exercise of every lab has one reference (:mod:`lakehouse.course.answers`): the text
  ``ctx.answer`` prints, the catch-up that runs and the solution notebook's block are that one thing.
* No TODO line of a lab and no nudge spells its answer's code (rule: :func:`spelled_code`).
* TODO lines and printed nudges wrap at 100 characters.
"""

import json
import re
from pathlib import Path
from types import SimpleNamespace

import pytest

from lakehouse.course.answers import FileAnswer, Reference, SqlAnswer, body_text, reference
from lakehouse.course.catalog import LABS
from lakehouse.course.blocks import WIDTH, solution_blocks
from lakehouse.course.labs import lab_checks
from lakehouse.course.errors import LabError
from lakehouse.course.grading import Check, wrap

REPO = Path(__file__).resolve().parents[1]
LAB_IDS = [f"{n}_{LABS[n]}" for n in sorted(LABS)]
EXERCISES = [(lab_id, c.todo) for lab_id in LAB_IDS for c in lab_checks(lab_id) if c.todo is not None]


def _cells(folder: str, lab_id: str) -> list[str]:
    nb = json.loads((REPO / folder / f"{lab_id}.ipynb").read_text())
    return ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]


def _check(lab_id: str, todo: int) -> Check:
    return next(c for c in lab_checks(lab_id) if c.todo == todo)


# one source ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("lab_id,todo", EXERCISES, ids=[f"{lab}-todo{n}" for lab, n in EXERCISES])
def test_the_solution_block_the_answer_and_the_catch_up_are_one_reference(lab_id, todo):
    """The check's answer text, its catch-up and the solution notebook's block all come from its reference."""
    check = _check(lab_id, todo)
    ref = check.reference
    assert ref is not None, f"{lab_id} TODO {todo}: give the check a reference function as answer=, not a string"
    assert check.answer == ref.text and check.catch_up == ref.run, f"{lab_id} TODO {todo}: a separate catch-up"
    blocks = [(b, cell) for cell in _cells("solutions", lab_id) for b in solution_blocks(cell) if b.todo == todo]
    assert len(blocks) == 1, f"solutions/{lab_id}.ipynb has {len(blocks)} solution blocks under '# TODO {todo}'"
    block, cell = blocks[0]
    if isinstance(ref, FileAnswer):
        assert cell.split("\n", 1)[1] == ref.source.rstrip("\n"), \
            f"solutions/{lab_id}.ipynb: the %%writefile cell of TODO {todo} differs from its reference; run `make labs`"
    assert block.code == ref.block, (f"solutions/{lab_id}.ipynb TODO {todo}: the block differs from the reference "
                                     f"answer in lakehouse/course/labs/lab{lab_id}.py; run `make labs`")


def test_a_reference_function_is_its_own_catch_up_and_answer():
    def _total_answer(a, b):
        # the notebook's names are the parameters
        total = a + b
        return total

    check = Check("total", "a + b", lambda ctx, v: v == 5, nudge="add them", answer=_total_answer, todo=1)
    assert check.answer == "# the notebook's names are the parameters\ntotal = a + b"
    assert check.catch_up(None, None, a=2, b=3) == 5  # keywords of the check cell bind the names
    with pytest.raises(LabError, match="`b`, which this notebook has not defined"):
        check.catch_up(None, None, a=2)
    with pytest.raises(LabError, match="its own catch-up"):
        Check("total", "a + b", lambda ctx, v: True, nudge="n", answer=_total_answer, catch_up=lambda c, v: 1, todo=1)


def test_ctx_and_spark_bind_from_the_lab_context():
    def _answer(ctx, spark):
        pair = (ctx.name, spark)
        return pair

    ctx = SimpleNamespace(name="lab", spark="the session")
    assert Reference(_answer).run(ctx) == ("lab", "the session")


def test_body_text_drops_the_docstring_and_only_a_returned_name():
    def _answer():
        """Not part of the answer."""
        return 1 + 1

    assert body_text(_answer) == ("return 1 + 1", None)
    with pytest.raises(LabError):
        reference("x = 1")


def test_a_file_answer_writes_the_solution_file(tmp_path):
    ref = FileAnswer("import x\n# TODO 1: y\n# BEGIN SOLUTION: a nudge\n# LAB: y = None\ny = 1\n# END SOLUTION\n",
                     path="file")
    target = tmp_path / "f.py"
    ref.run(None, None, file=str(target))
    assert target.read_text() == "import x\n# TODO 1: y\ny = 1\n" and ref.text == "y = 1"


def test_a_sql_answer_is_the_block_of_a_sql_cell():
    """An answer a Databricks user writes in a %sql cell: its text is the statements, dedented; the
    check takes it as its reference (the catch-up runs it: proven by the lab runs of tests/test_notebooks.py)."""
    ref = SqlAnswer("""
        OPTIMIZE events;

        DELETE FROM events WHERE amount < 1""")
    assert ref.text == ref.block == "OPTIMIZE events;\n\nDELETE FROM events WHERE amount < 1"
    check = Check("compacted", "compacted", lambda ctx, v: True, nudge="n", answer=ref, todo=1, variable=False)
    assert check.reference is ref and check.answer == ref.text and check.catch_up == ref.run
    assert reference(ref) is ref


# hints are not the code ---------------------------------------------------------------------------
MIN_RUN = 3
KEYWORDS = set("""
and as asc at between by case cast count create delete desc distinct drop else end false for from group if in
insert into is join like limit matched merge not null on or order over partition replace row select set source
table target then true update using values when where with def return lambda none import
add alter catalog check cluster column constraint evolution filter function grant interval mask modify
optimize restore returns schema tags tblproperties timestamp use version view zorder
a an the of to per its it each one
""".split())
_TOKEN = re.compile(r"[A-Za-z_][\w.]*[\w]|[A-Za-z_]|\d+")


_CODE_LIKE = re.compile(r"[_.\d]|[a-z][A-Z]|^[A-Z]{2,}$")


def _tokens(text: str) -> list[tuple[str, bool]]:
    """(lower-cased token, whether it looks like code: an underscore, a dot, a digit, camelCase or CAPS)."""
    return [(t.lower(), bool(_CODE_LIKE.search(t))) for t in _TOKEN.findall(text)]


def spelled_code(hint: str, answer: str) -> str | None:
    """The code of ``answer`` that ``hint`` spells out, or None.

    The rule: both texts are cut into tokens (identifiers with their dots, such as
    ``spark.readStream.table``; numbers; the words inside string literals, so the SQL in a string
    counts; case ignored). A hint spells the answer when it holds a run of :data:`MIN_RUN` (3)
    tokens that also follow each other in the answer, and at least one of them is a name of code: not
    a keyword or small word (:data:`KEYWORDS`: SQL and Python keywords, articles) and written like code
    (an underscore, a dot, a digit, camelCase or CAPS), so prose that a string of the answer happens to
    share ("the drop rules") does not count. So a hint may name a function,
    an option, a column or a clause (``WHEN NOT MATCHED``, ``dropDuplicatesWithinWatermark``,
    ``cloudFiles.schemaLocation``), but not chain them as the code does (``withWatermark("event_ts",
    WATERMARK_DELAY)``, ``__END_AT IS NULL``, ``buyer = customer_id AND``): three tokens in the answer's
    order is where naming ends and dictating begins, and prose rarely matches three code tokens by chance.

    Example:
        >>> spelled_code("the rows whose __END_AT IS NULL", 'where("__END_AT IS NULL")')
        '__end_at is null'
        >>> spelled_code("an insert-only MERGE: look up WHEN NOT MATCHED", "WHEN NOT MATCHED THEN INSERT *") is None
        True
    """
    words, code = _tokens(hint), [t for t, _ in _tokens(answer)]
    runs = {tuple(code[i:i + MIN_RUN]) for i in range(len(code) - MIN_RUN + 1)}
    for i in range(len(words) - MIN_RUN + 1):
        run = words[i:i + MIN_RUN]
        if tuple(t for t, _ in run) in runs and any(like and t not in KEYWORDS for t, like in run):
            return " ".join(t for t, _ in run)
    return None


def _todo_texts(lab_id: str):
    """(TODO number, text) of each TODO of the lab notebook: the '# TODO n:' line, or the
    '# TODO:' prompt with its continuation lines."""
    for cell in _cells("labs", lab_id):
        numbered = re.search(r"^\s*(?:#|--) TODO (\d+)\b", cell, re.M)
        todo = int(numbered.group(1)) if numbered else None
        lines = cell.split("\n")
        for i, line in enumerate(lines):
            if re.match(r"\s*(?:#|--) TODO\b", line):
                text, j = line, i + 1
                while j < len(lines) and re.match(r"\s*(?:#|--)\s{3,}\S", lines[j]):
                    text, j = text + " " + lines[j].strip("#- "), j + 1
                yield todo, text


def test_the_rule_catches_code_and_lets_names_through():
    answer = 'tx = spark.readStream.table(t).withWatermark("event_ts", WATERMARK_DELAY)'
    assert spelled_code('withWatermark("event_ts", WATERMARK_DELAY)', answer)
    assert spelled_code("a watermark (withWatermark) on the event time, WATERMARK_DELAY late", answer) is None


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_no_todo_line_or_nudge_spells_its_answer(lab_id):
    """The lab's TODO lines and its checks' nudges name concepts, options and docs; the code is only
    in ``ctx.answer`` (rule: :func:`spelled_code`)."""
    checks = lab_checks(lab_id)
    answers = {c.todo: c.answer for c in checks if c.todo is not None}
    found = []
    for todo, text in _todo_texts(lab_id):
        for n, answer in answers.items() if todo is None else [(todo, answers.get(todo, ""))]:
            spelled = spelled_code(text, answer)
            if spelled:
                found.append(f"labs/{lab_id}.ipynb {text.strip()[:60]!r}... spells {spelled!r} of TODO {n}")
    for check in checks:
        for n, answer in [(check.todo, check.answer)] if check.todo else answers.items():
            spelled = spelled_code(check.nudge, answer)
            if spelled:
                found.append(f"nudge of {check.name} spells {spelled!r} of TODO {n}")
    assert not found, "\n".join(found)


# wrapping -----------------------------------------------------------------------------------------
@pytest.mark.parametrize("folder", ["labs", "solutions"])
def test_todo_lines_wrap_at_100(folder):
    long = [f"{folder}/{lab_id}: {line[:60]}..." for lab_id in LAB_IDS for cell in _cells(folder, lab_id)
            for line in cell.split("\n") if re.match(r"\s*(?:#|--) TODO\b", line) and len(line) > WIDTH]
    assert not long, "\n".join(long)


@pytest.mark.parametrize("lab_id", LAB_IDS)
def test_printed_nudges_wrap_at_100(lab_id):
    for check in lab_checks(lab_id):
        for label in ("      nudge: ", "    nudge: "):
            lines = wrap(check.nudge + (f" ({check.doc})" if check.doc else ""), label).split("\n")
            assert all(len(line) <= WIDTH or " " not in line.strip() for line in lines), check.name
