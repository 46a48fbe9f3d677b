"""The defects injected on purpose: kinds, rates, and how their exact counts are chosen.

Rates apply per source and per batch to the batch's *records* (the genuine records
generated before any defect was added). The number injected is

    count = min(eligible, max(1, floor(rate * records + 0.5)))

so every kind shows up in every batch, even at tiny scales ("eligible" only caps kinds that
need a suitable row, e.g. an out-of-order change needs a customer with an earlier update).
Clickstream ``bot_event`` rounds to whole bot sessions instead (:func:`bot_event_count`).
Two kinds are not rates: ``empty_file`` (one zero-byte file in one batch of ``crm`` and of
``transactions``) and ``schema_drift`` (from the middle batch on, every clickstream row
carries the new column ``utm_campaign``; the count is the number of rows that carry it).

Example:
    >>> from lakehouse.datagen.defects import defect_count
    >>> defect_count(0.01, 1234), defect_count(0.01, 3), defect_count(0.01, 0)
    (12, 1, 0)
"""

from __future__ import annotations

import math

import numpy as np

DEFECT_RATES = {
    "crm": {
        "malformed_json": 0.01,       # extra line: a genuine line cut short (not valid JSON)
        "null_customer_id": 0.005,    # extra UPDATE whose customer_id is null
        "unknown_customer_id": 0.005,  # extra UPDATE for a customer that never existed
        "out_of_order": 0.02,         # extra UPDATE older than a change already delivered
    },
    "transactions": {
        "duplicate": 0.01,            # extra row: a genuine row re-sent (same transaction_id)
        "late_event": 0.005,          # transaction_ts 1-72 h before the batch window
        "wrong_type": 0.002,          # amount (even picks) or quantity (odd picks) not a number
        "missing_field": 0.002,       # row with 9 fields: the trailing region is absent
        "null_customer_id": 0.002,    # empty customer_id
        "unknown_customer_id": 0.002,  # customer_id not in the CRM
        "negative_amount": 0.002,     # amount < 0
    },
    "clickstream": {
        "duplicate": 0.005,           # extra row: a genuine event re-sent (same event_id)
        "late_event": 0.01,           # event_ts 1-72 h before the batch window
        "unknown_customer_id": 0.002,  # logged-in event whose customer_id is not in the CRM
        "bot_event": 0.01,            # extra rows: bot sessions (see bot_event_count), anonymous, ~1 event/s
    },
    "support_tickets": {
        "unknown_customer_id": 0.005,  # ticket opened for a customer not in the CRM (counted on the open)
    },
}
"""Rate of each rate-based defect kind, per source (fraction of the batch's records)."""

FILE_DEFECTS = {"crm": ("empty_file",), "transactions": ("empty_file",), "clickstream": ("schema_drift",),
                "support_tickets": ()}
"""Defect kinds that are not rates (whole files or columns), per source."""

BOT_SESSION_EVENTS = 30
"""Events in one bot session: 30 clicks 1-2 s apart, far above Silver's 20 events a minute."""
LATE_MIN_S, LATE_MAX_S = 3_600, 72 * 3_600
UNKNOWN_ID_BASE = 9_000_000


def defect_kinds(source: str) -> tuple[str, ...]:
    """Every defect kind the manifest counts for ``source`` (rate kinds, then file kinds)."""
    return tuple(DEFECT_RATES[source]) + FILE_DEFECTS[source]


def defect_count(rate: float, records: int, eligible: int | None = None) -> int:
    """How many defects of one kind a batch of ``records`` records gets (see module doc)."""
    if rate <= 0 or records <= 0:
        return 0
    count = max(1, int(math.floor(rate * records + 0.5)))
    return count if eligible is None else min(count, max(0, eligible))


def bot_event_count(records: int) -> int:
    """Bot events a clickstream batch of ``records`` records gets: whole bot sessions, at least one.

    The ``bot_event`` rate rounded to whole sessions of :data:`BOT_SESSION_EVENTS` events (a
    session of fewer clicks would not look like a bot), so every batch has at least one bot.

    Example:
        >>> bot_event_count(10_000), bot_event_count(100), bot_event_count(0)
        (90, 30, 0)
    """
    if records <= 0:
        return 0
    sessions = max(1, int(math.floor(DEFECT_RATES["clickstream"]["bot_event"] * records / BOT_SESSION_EVENTS + 0.5)))
    return sessions * BOT_SESSION_EVENTS


def pick_disjoint(rng: np.random.Generator, candidates: np.ndarray, counts: dict[str, int]) -> dict[str, np.ndarray]:
    """Choose disjoint sets of row indices, one per kind, from ``candidates`` (in ``counts`` order).

    Kinds are served in order; a kind gets fewer rows only when candidates run out.
    """
    order = rng.permutation(np.asarray(candidates))
    picked, at = {}, 0
    for kind, count in counts.items():
        picked[kind] = np.sort(order[at:at + count])
        at += len(picked[kind])
    return picked


def unknown_customer_ids(rng: np.random.Generator, count: int) -> list[str]:
    """Customer ids that look real but are never in the CRM (``C9xxxxxx``)."""
    return [f"C{n:07d}" for n in rng.integers(UNKNOWN_ID_BASE, 10_000_000, size=count)]


def late_times(rng: np.random.Generator, window_start: int, count: int) -> np.ndarray:
    """Event times 1-72 hours before ``window_start`` (epoch seconds)."""
    return window_start - rng.integers(LATE_MIN_S, LATE_MAX_S + 1, size=count)
