"""Check the bank's "predict the result" keys by running every scenario on the engine.

For each item with a ``scenario`` the run's outcome must equal the ``result`` of exactly the
option(s) the item's ``answer`` names. Problems name the item by file, line and id, so a wrong
key, a scenario that does not run, or an outcome no option offers is found where it is written.

Example:
    >>> from lakehouse.course.exam.bank import load_bank
    >>> len(predict_items(load_bank())) >= 44
    True
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .bank import Bank, Item
from .scenarios import Runner, ScenarioError, normalize, same, scratch_dir


@dataclass
class Report:
    """The outcome of each item run, the problems found, the seconds per kind and per item id."""

    outcomes: dict[str, object] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)
    item_seconds: dict[str, float] = field(default_factory=dict)


def predict_items(bank: Bank) -> list[Item]:
    """The items whose key is computed by a scenario."""
    return [i for i in bank.items if i.scenario]


def check_item(runner: Runner, item: Item) -> tuple[object, str | None]:
    """Run ``item``'s scenario; returns (outcome, problem or None)."""
    try:
        outcome = runner.run(item.scenario)
    except ScenarioError as exc:
        return None, f"{item.where}: the scenario failed to run: {exc}"
    except Exception as exc:  # noqa: BLE001 - any failure of a scenario is the item's problem
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        return None, f"{item.where}: the scenario failed to run: {type(exc).__name__}: {first[:300]}"
    matching = sorted(o.id for o in item.options if same(outcome, o.result))
    if not matching:
        return outcome, (f"{item.where}: the run gives {normalize(outcome)}, which no option offers "
                         f"(key {', '.join(sorted(item.answer))}).")
    if set(matching) != set(item.answer):
        return outcome, (f"{item.where}: the stored key is {', '.join(sorted(item.answer))} but the run gives "
                         f"{normalize(outcome)}, the result of option {', '.join(matching)}.")
    return outcome, None


def check_bank(spark, items: list[Item], *, work=None) -> Report:
    """Run the scenarios of ``items`` on ``spark`` (one session, a schema per item) and compare.

    Args:
        spark: the session.
        items: the items to check (those without a scenario are skipped).
        work: a scratch folder (default: a new temporary folder).

    Returns:
        A :class:`Report`; ``problems`` is empty when every key agrees with its run.
    """
    runner = Runner(spark, work or scratch_dir())
    report = Report()
    try:
        for item in items:
            if not item.scenario:
                continue
            start = time.perf_counter()
            outcome, problem = check_item(runner, item)
            kind, took = item.scenario["kind"], time.perf_counter() - start
            report.seconds[kind] = report.seconds.get(kind, 0.0) + took
            report.item_seconds[item.id] = took
            report.outcomes[item.id] = outcome
            if problem:
                report.problems.append(problem)
    finally:
        runner.close()
    return report
