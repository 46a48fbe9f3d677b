"""The exam's question bank: YAML files under ``lakehouse/course/exam/bank/``, read and validated.

``sections.yaml`` lists the exam-guide sections with their weights and the pass line (with the
sources they come from); every other ``*.yaml`` file holds ``items:``, each a question::

    - id: delta-merge-two-matches        # unique across the bank
      section: transformation            # a key of sections.yaml
      professional: Data Processing      # optional: the Professional guide's section
      lab: "03"                          # the course lab that teaches it (00-12)
      doc: https://docs.databricks.com/...
      stem: |
        What does the MERGE below do?
      options:                           # 4 or 5, ids A-E
        A: {text: ..., why: ...}         # ``why``: the explanation shown after the exam
        B: {text: ..., why: ..., result: 3}   # ``result``: what a predict item's run gives
      answer: [B]                        # one or more option ids
      scenario: {kind: sql, ...}         # optional: a "predict the result" item (see scenarios.py)

A malformed item raises :class:`BankError` naming the file, the line and the item id.

Example:
    >>> bank = load_bank()
    >>> len(bank.items) >= 120, sorted(bank.sections)[:2]
    (True, ['cicd', 'governance'])
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from ...errors import LakehouseError
from ..catalog import LABS

BANK_DIR = Path(__file__).resolve().parent / "bank"
OPTION_IDS = ("A", "B", "C", "D", "E")
REQUIRED = ("id", "section", "lab", "doc", "stem", "options", "answer")
OPTIONAL = ("professional", "scenario")
_ID = re.compile(r"^[a-z0-9][a-z0-9-]{2,60}$")


QUESTIONS, MINUTES = 45, 90  # the Associate exam: 45 scored questions in 90 minutes


class BankError(LakehouseError):
    """A bank file or item is malformed (the message names file, line and item id)."""

    code = "EXAM_BANK_INVALID"


class ExamError(LakehouseError):
    """The exam cannot start: no terminal, a terminal too small, or arguments that select nothing."""

    code = "EXAM_ERROR"


@dataclass(frozen=True)
class Section:
    """An exam-guide section: its key, title and weight (a fraction of the exam)."""

    key: str
    title: str
    weight: float


@dataclass(frozen=True)
class Option:
    """One answer option: its id (A-E), text, the explanation, and a predict item's ``result``."""

    id: str
    text: str
    why: str
    result: object = None
    has_result: bool = False


@dataclass(frozen=True)
class Item:
    """One question of the bank (see the module docstring for the fields)."""

    id: str
    section: str
    lab: str
    doc: str
    stem: str
    options: tuple[Option, ...]
    answer: frozenset[str]
    file: str
    line: int
    professional: str | None = None
    scenario: dict | None = None

    @property
    def where(self) -> str:
        """``file:line (id)``: how errors and reports name the item."""
        return f"{self.file}:{self.line} ({self.id})"

    def option(self, option_id: str) -> Option:
        """The option with this id."""
        return next(o for o in self.options if o.id == option_id)


@dataclass
class Bank:
    """The sections, the pass line and the items of the bank."""

    sections: dict[str, Section]
    pass_percent: int
    sources: list[str]
    items: list[Item] = field(default_factory=list)
    professional: tuple[str, ...] = ()

    def by_id(self) -> dict[str, Item]:
        """The items keyed by id."""
        return {i.id: i for i in self.items}

    def sections_matching(self, wanted: str) -> list[str]:
        """The section keys ``wanted`` names: a key, or a part of a title (any case).

        Raises:
            ExamError: no section matches (the message lists them).

        Example:
            >>> load_bank().sections_matching("governance")
            ['governance']
        """
        text = wanted.lower()
        keys = [k for k, s in self.sections.items() if text == k or text in s.title.lower()]
        if not keys:
            names = ", ".join(f"{k} ({s.title})" for k, s in self.sections.items())
            raise ExamError(f"no exam-guide section matches {wanted!r}.", fix=f"use one of: {names}.")
        return keys


def load_bank(folder: str | Path | None = None) -> Bank:
    """Read and validate every bank file of ``folder`` (default: the course's bank).

    Args:
        folder: a folder with ``sections.yaml`` and item files ``*.yaml``.

    Returns:
        The :class:`Bank`, items in file-name then file order.

    Raises:
        BankError: a missing or malformed file, a duplicate id, an item with a missing or
            unknown field, an unknown section or lab, an answer naming an option that does not exist.

    Example:
        >>> load_bank().pass_percent
        70
    """
    import yaml

    folder = Path(folder) if folder is not None else BANK_DIR
    sections_file = folder / "sections.yaml"
    if not sections_file.is_file():
        raise BankError(f"{sections_file} does not exist.", fix="the bank folder needs sections.yaml.")
    meta = yaml.safe_load(sections_file.read_text(encoding="utf-8")) or {}
    try:
        sections = {k: Section(k, str(v["title"]), float(v["weight"])) for k, v in meta["sections"].items()}
        bank = Bank(sections, int(meta["pass_percent"]), list(meta.get("sources", [])),
                    professional=tuple(meta.get("professional", ())))
    except (KeyError, TypeError, ValueError) as exc:
        raise BankError(f"{sections_file}: needs sections (key: {{title, weight}}) and pass_percent ({exc}).",
                        fix="see the module docstring of lakehouse.course.exam.bank.") from None
    seen: dict[str, str] = {}
    for path in sorted(folder.glob("*.yaml")):
        if path.name == "sections.yaml":
            continue
        for item in _read_items(path, bank):
            if item.id in seen:
                raise BankError(f"{item.where}: id {item.id!r} is also used at {seen[item.id]}.",
                                fix="give every item its own id.")
            seen[item.id] = item.where
            bank.items.append(item)
    return bank


def _read_items(path: Path, bank: Bank) -> list[Item]:
    import yaml

    text = path.read_text(encoding="utf-8")
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise BankError(f"{path.name}: not valid YAML: {exc}".replace("\n", " "), fix=f"fix {path}.") from None
    if not isinstance(data, dict) or not isinstance(data.get("items"), list):
        raise BankError(f"{path.name}: the file needs a top-level 'items:' list.", fix=f"fix {path}.")
    nodes = next(v for k, v in root.value if k.value == "items").value
    return [_item(raw, path.name, node.start_mark.line + 1, bank) for raw, node in zip(data["items"], nodes)]


def _item(raw, file: str, line: int, bank: Bank) -> Item:
    ident = raw.get("id") if isinstance(raw, dict) else None
    where = f"{file}:{line} ({ident or 'no id'})"

    def bad(message: str):
        return BankError(f"{where}: {message}", fix=f"fix the item at {file} line {line}.")

    if not isinstance(raw, dict):
        raise bad("an item is a mapping of fields.")
    missing = [k for k in REQUIRED if raw.get(k) in (None, "", [], {})]
    if missing:
        raise bad(f"missing field(s): {', '.join(missing)}.")
    unknown = sorted(set(raw) - set(REQUIRED) - set(OPTIONAL))
    if unknown:
        raise bad(f"unknown field(s): {', '.join(unknown)} (allowed: {', '.join(REQUIRED + OPTIONAL)}).")
    if not _ID.match(str(ident)):
        raise bad("id: lower-case letters, digits and '-' (3-61 characters).")
    if raw["section"] not in bank.sections:
        raise bad(f"section {raw['section']!r} is not in sections.yaml ({', '.join(bank.sections)}).")
    if raw.get("professional") is not None and raw["professional"] not in bank.professional:
        raise bad(f"professional {raw['professional']!r} is not a Professional section ({', '.join(bank.professional)}).")
    lab = str(raw["lab"]).zfill(2)
    if lab not in LABS:
        raise bad(f"lab {raw['lab']!r} is not a lab of the course (00-12).")
    if not str(raw["doc"]).startswith("https://docs.databricks.com/"):
        raise bad(f"doc must be a https://docs.databricks.com/ page, got {raw['doc']!r}.")
    options = raw["options"]
    if not isinstance(options, dict) or not 4 <= len(options) <= 5:
        raise bad("options: a mapping of 4 or 5 options (A: {text, why}, ...).")
    if list(options) != list(OPTION_IDS[:len(options)]):
        raise bad(f"options are named {', '.join(OPTION_IDS[:len(options)])} in order, got {', '.join(options)}.")
    parsed = []
    for oid, opt in options.items():
        if not isinstance(opt, dict) or not opt.get("text") or not opt.get("why"):
            raise bad(f"option {oid} needs 'text' and 'why' (the explanation shown after the exam).")
        extra = sorted(set(opt) - {"text", "why", "result"})
        if extra:
            raise bad(f"option {oid}: unknown field(s) {', '.join(extra)}.")
        parsed.append(Option(oid, str(opt["text"]).strip(), str(opt["why"]).strip(), opt.get("result"),
                             "result" in opt))
    answer = raw["answer"] if isinstance(raw["answer"], list) else [raw["answer"]]
    wrong = [str(a) for a in answer if a not in options]
    if wrong:
        raise bad(f"answer names option(s) that do not exist: {', '.join(wrong)} (options: {', '.join(options)}).")
    scenario = raw.get("scenario")
    if scenario is not None:
        from .scenarios import KINDS, normalize

        if not isinstance(scenario, dict) or scenario.get("kind") not in KINDS:
            raise bad(f"scenario.kind must be one of {', '.join(KINDS)}.")
        if not all(o.has_result for o in parsed):
            raise bad("a scenario item gives every option a 'result' (what a run of the scenario would show).")
        results = [normalize(o.result) for o in parsed]
        twins = sorted({o.id for o, r in zip(parsed, results) if results.count(r) > 1})
        if twins:
            raise bad(f"options {', '.join(twins)} have the same result: a run could not tell them apart.")
        if len(answer) != 1:
            raise bad("a scenario item has exactly one correct option (the one whose result the run shows).")
    return Item(str(ident), raw["section"], lab, str(raw["doc"]), str(raw["stem"]).strip(), tuple(parsed),
                frozenset(str(a) for a in answer), file, line, raw.get("professional"), scenario)
