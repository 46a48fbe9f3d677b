"""The interview guide: its size and sections, every link and snippet reference resolves, and
every snippet (a behavioural claim of an answer) runs and asserts on the shared test engine.

All snippets run in this one process on the session-scoped ``spark`` fixture, with tiny data.
"""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

from lakehouse.course import quiz
from lakehouse.course.catalog import LABS

REPO = Path(__file__).resolve().parents[1]
GUIDE = REPO / "interview_guide" / "INTERVIEW_GUIDE.md"
SNIPPETS = REPO / "interview_guide" / "snippets"
SNIPPET_FILES = sorted(p for p in SNIPPETS.glob("*.py") if not p.name.startswith("_"))
TEXT = GUIDE.read_text(encoding="utf-8")

# The exam-guide groups the issue asks for (each a "## " section of the guide).
SECTIONS = ["Ingestion and Auto Loader", "Delta Lake, MERGE and SCD", "Structured Streaming",
            "Declarative pipelines and expectations", "Performance", "Governance and security",
            "Jobs, bundles and testing", "Platform"]


def test_the_guide_has_at_least_60_numbered_questions_in_order():
    numbers = [int(n) for n in re.findall(r"^### Q(\d+)\. \S", TEXT, flags=re.M)]
    assert len(numbers) >= 60
    assert numbers == list(range(1, len(numbers) + 1)), "questions are numbered Q1, Q2, ... without gaps"


def test_every_exam_section_has_questions_and_the_whiteboard_has_five():
    cards = quiz.load_cards(GUIDE)
    per_section = {s: sum(c.section == s for c in cards) for s in SECTIONS}
    assert all(n >= 3 for n in per_section.values()), per_section
    assert sum(c.section == "Whiteboard" for c in cards) == 5


# The six talking points the course promises (../shared/COURSE.md, "The six talking points"),
# under exactly these questions, first in the guide's "Talking points" section.
SIX = ["Why Delta Lake over plain Parquet?", "How do you handle late-arriving data?",
       "How do you ensure data quality?", "How do you optimize query performance?",
       "How do you handle schema changes?", "How do you secure a multi-tenant lakehouse?"]


def test_talking_points_are_the_six_questions_each_a_two_minute_answer_with_lab_and_snippet():
    points = [c for c in quiz.load_cards(GUIDE) if c.section == "Talking points"]
    assert [c.title for c in points[:6]] == SIX
    assert [c.key for c in points] == [f"T{i}" for i in range(1, len(points) + 1)] and len(points) >= 8
    for card in points[:6]:
        spoken = re.sub(r"\(snippets/[^)]*\)|\(\.\./labs/[^)]*\)|https?://\S+", "", card.answer)
        words = len(spoken.split())
        assert 230 <= words <= 330, f"{card.key}: {words} words; a 2-minute answer is ~250-300"
        assert re.search(r"\]\(\.\./labs/\d\d_", card.answer), f"{card.key} names no lab"
        assert re.search(r"\]\(snippets/[a-z0-9_]+\.py\)", card.answer), f"{card.key} runs no snippet"
        assert re.search(r"Databricks:\s+https://docs.databricks.com/", card.answer), f"{card.key} cites no doc"


def test_readme_counts_are_the_guides():
    """README's "N questions ... N talking points ... N whiteboard designs" equal the guide's."""
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    cards = quiz.load_cards(GUIDE)
    said = re.search(r"INTERVIEW_GUIDE\.md` — (\d+) questions.*?(\d+) talking points.*?(\d+) whiteboard designs",
                     readme, flags=re.S)
    assert said, "README's interview-guide paragraph states the counts"
    counted = tuple(sum(c.key[0] == k and c.key[1:].isdigit() for c in cards) for k in "QTW")
    assert tuple(int(n) for n in said.groups()) == counted


def test_every_answer_links_to_a_lab_of_the_course_map():
    cards = [c for c in quiz.load_cards(GUIDE) if c.number is not None]
    labs = {f"../labs/{n}_{t}.ipynb" for n, t in LABS.items()}
    for card in cards:
        links = re.findall(r"\]\((\.\./labs/[^)#]+)", card.answer)
        assert links, f"Q{card.number} links to no lab"
        assert set(links) <= labs, f"Q{card.number}: {set(links) - labs}"


def test_every_relative_link_and_snippet_reference_resolves():
    # Labs 09-11 are written on other branches at the same time; after the merge they exist.
    # Until then this test fails on purpose for a link to a lab that is not in labs/.
    for target, anchor in re.findall(r"\]\(((?!https?://)[^)#\s]+\.md)#([^)\s]+)\)", TEXT):
        headings = re.findall(r"^#+ (.+)$", (GUIDE.parent / target).read_text(encoding="utf-8"), flags=re.M)
        assert anchor in {_slug(h) for h in headings}, f"{target} has no heading for #{anchor}"
    referenced = set(re.findall(r"snippets/([a-z0-9_]+\.py)", TEXT))
    assert referenced == {p.name for p in SNIPPET_FILES}, "every snippet is referenced, and only these exist"
    targets = re.findall(r"\]\(((?!https?://|#)[^)#\s]+)", TEXT)
    missing = [t for t in targets if not (GUIDE.parent / t).resolve().exists()]
    assert not missing, f"links to missing files: {sorted(set(missing))}"


def _slug(heading: str) -> str:
    """GitHub's anchor for a markdown heading."""
    return re.sub(r"[^\w\- ]", "", heading.strip().lower()).replace(" ", "-")


def _load(path: Path):
    if str(SNIPPETS) not in sys.path:
        sys.path.insert(0, str(SNIPPETS))
    spec = importlib.util.spec_from_file_location(f"iq_snippet_{path.stem}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("path", SNIPPET_FILES, ids=[p.stem for p in SNIPPET_FILES])
def test_snippet_proves_its_claim(spark, tmp_path, path):
    module = _load(path)
    assert module.__doc__ and "Databricks:" in module.__doc__, "a snippet states its claim and cites the doc"
    seen = module.run(spark, tmp_path)
    assert isinstance(seen, dict) and seen
