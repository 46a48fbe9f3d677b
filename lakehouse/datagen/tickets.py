"""Support tickets: the change sets that the arrival simulator applies to a Delta table with CDF.

The generator stays Spark-free: each batch's ticket changes are staged as one Parquet file
(``support_tickets/batch-NNN-part-00.parquet``) with the table's columns plus ``change``
(``open``, ``update``, ``close``, ``delete``) and ``change_seq`` (global order). The arrival
simulator turns them into commits on the Delta table ``<landing>/support_tickets``.

Table columns::

    ticket_id STRING, customer_id STRING, opened_at TIMESTAMP, updated_at TIMESTAMP,
    status STRING (open | pending | closed), priority STRING (low | medium | high | urgent),
    channel STRING, category STRING, subject STRING, body STRING,
    csat INT (1-5, set on close), resolution STRING (set on close), closed_at TIMESTAMP

A ticket is opened, maybe updated (an agent replies: ``pending``, sometimes escalated),
usually closed (CSAT and resolution), and deleted when its customer asks to be forgotten.
The ticket text carries the sentiment: customers with a high churn risk, and anyone close to
churning, write more negative tickets and give lower CSAT scores.

Example:
    >>> from lakehouse.datagen.plan import make_plan
    >>> from lakehouse.datagen.customers import make_population
    >>> plan = make_plan(scale=0.01, seed=1)
    >>> batches = ticket_batches(plan, make_population(plan))
    >>> sum(b.operations["open"] for b in batches)
    200
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa

from .customers import NEVER, Population
from .defects import DEFECT_RATES, defect_count, unknown_customer_ids
from .files import prefixed, timestamps
from .plan import DAY_S, Plan

OPERATIONS = ("open", "update", "close", "delete")
"""Change kinds, in the order the arrival simulator commits them within a batch."""

TABLE_SCHEMA = pa.schema([
    ("ticket_id", pa.string()), ("customer_id", pa.string()), ("opened_at", pa.timestamp("us", tz="UTC")),
    ("updated_at", pa.timestamp("us", tz="UTC")), ("status", pa.string()), ("priority", pa.string()),
    ("channel", pa.string()), ("category", pa.string()), ("subject", pa.string()), ("body", pa.string()),
    ("csat", pa.int32()), ("resolution", pa.string()), ("closed_at", pa.timestamp("us", tz="UTC")),
])
"""Columns of the Delta table ``support_tickets``."""

CHANGE_SCHEMA = pa.schema(list(TABLE_SCHEMA) + [("change", pa.string()), ("change_seq", pa.int64())])
"""Columns of a staged change set: the table's columns, ``change`` and ``change_seq``."""

PRIORITIES = ("low", "medium", "high", "urgent")
CHANNELS = ("email", "chat", "phone")
CATEGORIES = ("billing", "delivery", "product", "account", "returns")
NEGATIVE, NEUTRAL, POSITIVE = 0, 1, 2
PRE_CHURN_SHARE = 0.15
PRIORITY_P = ((0.1, 0.3, 0.4, 0.2), (0.3, 0.5, 0.15, 0.05), (0.5, 0.4, 0.1, 0.0))
CSAT_P = ((0.55, 0.3, 0.15, 0.0, 0.0), (0.05, 0.1, 0.35, 0.35, 0.15), (0.0, 0.0, 0.1, 0.4, 0.5))
OPENERS = (
    ("This is unacceptable.", "I am extremely frustrated.", "Third time I am writing and nobody helps.",
     "Very disappointed with your service.", "I am furious and thinking of leaving."),
    ("Hello,", "Hi team,", "Good morning,", "Hi there,", "Hello support,"),
    ("Hi, love your shop!", "Thanks for the great service so far.", "Hello, quick and friendly question.",
     "Great experience as always.", "Happy customer here."),
)
ISSUES = {
    "billing": ("I was charged twice for my last order.", "The invoice amount does not match my receipt.",
                "My discount code was not applied at checkout."),
    "delivery": ("My parcel has not arrived yet.", "The package arrived damaged.",
                 "The tracking link shows no updates."),
    "product": ("The item stopped working after a week.", "The size does not match the description.",
                "Some parts were missing from the box."),
    "account": ("I cannot log in to my account.", "Please update my email address.",
                "My loyalty points are not showing."),
    "returns": ("I want to return an item.", "My refund has not been processed.",
                "The return label does not print."),
}
CLOSERS = (
    ("Fix this now or I will cancel my account.", "Worst experience ever.", "I want a refund immediately.",
     "Nobody answers the phone.", "I will tell everyone to avoid you."),
    ("Could you check, please?", "Let me know what you need from me.", "Thanks.", "Regards.", "Please advise."),
    ("Thanks a lot, you are great!", "Appreciate your help!", "Keep up the good work.", "Thank you so much!",
     "Happy to be your customer."),
)
SUBJECT_PREFIX = ("URGENT: ", "", "")
RESOLUTIONS = {
    "billing": ("refund issued", "invoice corrected", "discount applied"),
    "delivery": ("parcel re-sent", "refund issued", "carrier claim opened"),
    "product": ("replacement sent", "refund issued", "troubleshooting guide sent"),
    "account": ("password reset", "account updated", "points restored"),
    "returns": ("return accepted", "refund issued", "label re-sent"),
}


@dataclass
class TicketBatch:
    """One batch of ticket changes: the staged table, change counts and exact defect counts."""

    table: pa.Table
    operations: dict[str, int]
    records: int
    defects: dict[str, int] = field(default_factory=dict)


def ticket_batches(plan: Plan, pop: Population) -> list[TicketBatch]:
    """Generate every ticket and its changes over the timeline, grouped by batch (see module doc)."""
    rng = plan.rng("support_tickets")
    n, end = plan.n_tickets, plan.end_s
    start, until = pop.active(end, grace_s=10 * DAY_S)
    # most tickets come at a steady, risk-driven rate; a share are complaints in the month before churn
    pre_lo = np.maximum(start, pop.churn_at - 30 * DAY_S)
    pre_span = np.maximum(np.minimum(until, pop.churn_at + 5 * DAY_S) - pre_lo, 0)
    n_pre = int(round(PRE_CHURN_SHARE * n)) if pre_span.sum() > 0 else 0
    weight = pop.ticket_weight * (until - start)
    cust = np.concatenate([rng.choice(pop.n, size=n - n_pre, p=weight / weight.sum()),
                           rng.choice(pop.n, size=n_pre, p=pre_span / max(pre_span.sum(), 1))])
    lo = np.concatenate([start[cust[:n - n_pre]], pre_lo[cust[n - n_pre:]]])
    span = np.concatenate([(until - start)[cust[:n - n_pre]], pre_span[cust[n - n_pre:]]])
    t_open = lo + (rng.random(n) * span).astype(np.int64)
    order = np.argsort(t_open, kind="stable")  # ticket numbers follow opening time
    cust, t_open = cust[order], t_open[order]
    risk = pop.churn_risk[cust]
    near_churn = (pop.churn_at[cust] - t_open < 30 * DAY_S) & (pop.churn_at[cust] < NEVER)
    p_neg = np.clip(0.1 + 0.6 * risk + 0.3 * near_churn, 0.0, 0.95)
    p_pos = (1.0 - p_neg) * 0.45 * (1.0 - risk)
    u = rng.random(n)
    sentiment = np.where(u < p_neg, NEGATIVE, np.where(u < p_neg + p_pos, POSITIVE, NEUTRAL))
    category = rng.integers(len(CATEGORIES), size=n)
    channel = rng.integers(len(CHANNELS), size=n)
    prio0 = _draw(rng, np.array(PRIORITY_P)[sentiment])
    escalate = rng.random(n) < np.where(sentiment == NEGATIVE, 0.4, 0.1)
    prio1 = np.minimum(prio0 + escalate, 3)
    csat = (_draw(rng, np.array(CSAT_P)[sentiment]) + 1).astype(np.int32)
    resolution = [RESOLUTIONS[CATEGORIES[c]][i] for c, i in zip(category, rng.integers(3, size=n))]
    subject, body = _texts(rng, sentiment, category)

    has_update = rng.random(n) < 0.7
    t_update = t_open + 60 + rng.exponential(1.5 * DAY_S, n).astype(np.int64)
    slow = np.where(sentiment == NEGATIVE, 5.0, 3.0) * DAY_S
    t_close = np.where(has_update, t_update, t_open) + 60 + (rng.exponential(1.0, n) * slow).astype(np.int64)
    has_close = rng.random(n) < 0.92
    gone = pop.deleted_at[cust]
    horizon = np.minimum(gone, end)
    valid = {
        "open": np.ones(n, dtype=bool),
        "update": has_update & (t_update < horizon),
        "close": has_close & (t_close < horizon),
        "delete": gone < end,
    }
    when = {"open": t_open, "update": t_update, "close": t_close, "delete": gone}

    ids = np.array(pop.ids, dtype=object)[cust]
    open_batch = plan.batch_of(t_open)
    rates = DEFECT_RATES["support_tickets"]
    per_batch_rows = np.zeros(plan.num_batches, dtype=np.int64)
    for kind in OPERATIONS:
        per_batch_rows += np.bincount(plan.batch_of(when[kind][valid[kind]]), minlength=plan.num_batches)
    unknown_counts = []
    for b in range(plan.num_batches):
        opens = np.flatnonzero(open_batch == b)
        k = defect_count(rates["unknown_customer_id"], int(per_batch_rows[b]), eligible=len(opens))
        chosen = np.sort(plan.rng("support_tickets", b + 1).choice(opens, size=k, replace=False)) if k else opens[:0]
        ids[chosen] = unknown_customer_ids(plan.rng("support_tickets", b + 1), k)
        unknown_counts.append(k)

    ticket_ids = prefixed("TK", np.arange(1, n + 1), 7).to_numpy(zero_copy_only=False)
    rows = []
    for kind_i, kind in enumerate(OPERATIONS):
        t = np.flatnonzero(valid[kind])
        rows.append((kind_i, t, when[kind][t]))
    kind_all = np.concatenate([np.full(len(t), k) for k, t, _ in rows])
    tick_all = np.concatenate([t for _, t, _ in rows])
    time_all = np.concatenate([w for _, _, w in rows])
    order = np.lexsort((tick_all, kind_all, time_all))
    kind_all, tick_all, time_all = kind_all[order], tick_all[order], time_all[order]
    seq = np.arange(1, len(order) + 1)
    batch_all = plan.batch_of(time_all)

    is_delete = kind_all == 3
    closed = kind_all == 2
    status = np.array(["open", "pending", "closed", None], dtype=object)[kind_all]
    prio = np.where(kind_all == 0, prio0[tick_all], prio1[tick_all])
    prio = np.where(kind_all == 2, np.where(has_update[tick_all], prio1[tick_all], prio0[tick_all]), prio)

    def col(values, mask):
        return [None if m else v for v, m in zip(values, mask)]

    table = pa.table({
        "ticket_id": pa.array(ticket_ids[tick_all]),
        "customer_id": pa.array(ids[tick_all], pa.string()),
        "opened_at": _ts(t_open[tick_all], is_delete),
        "updated_at": timestamps(time_all),
        "status": pa.array(status, pa.string()),
        "priority": pa.array(col(np.array(PRIORITIES, dtype=object)[prio], is_delete), pa.string()),
        "channel": pa.array(col(np.array(CHANNELS, dtype=object)[channel[tick_all]], is_delete), pa.string()),
        "category": pa.array(col(np.array(CATEGORIES, dtype=object)[category[tick_all]], is_delete), pa.string()),
        "subject": pa.array(col(subject[tick_all], is_delete), pa.string()),
        "body": pa.array(col(body[tick_all], is_delete), pa.string()),
        "csat": pa.array(csat[tick_all], pa.int32(), mask=~closed),
        "resolution": pa.array(col(np.array(resolution, dtype=object)[tick_all], ~closed), pa.string()),
        "closed_at": _ts(time_all, ~closed),
        "change": pa.array(np.array(OPERATIONS, dtype=object)[kind_all], pa.string()),
        "change_seq": pa.array(seq, pa.int64()),
    }, schema=CHANGE_SCHEMA)

    out = []
    for b in range(plan.num_batches):
        rows_b = np.flatnonzero(batch_all == b)
        ops = {k: int((kind_all[rows_b] == i).sum()) for i, k in enumerate(OPERATIONS)}
        out.append(TicketBatch(table=table.take(pa.array(rows_b, type=pa.int64())), operations=ops,
                               records=len(rows_b), defects={"unknown_customer_id": unknown_counts[b]}))
    return out


def _draw(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One category index per row of ``probs`` (each row sums to 1)."""
    cum = np.cumsum(probs, axis=1)
    return np.minimum((rng.random(len(probs))[:, None] >= cum).sum(axis=1), probs.shape[1] - 1)


def _ts(values: np.ndarray, mask: np.ndarray) -> pa.Array:
    return pa.array(np.asarray(values, dtype=np.int64) * 1_000_000, type=pa.timestamp("us", tz="UTC"), mask=mask)


def _texts(rng: np.random.Generator, sentiment: np.ndarray, category: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Subject and body of each ticket; the words carry the sentiment."""
    n = len(sentiment)
    a, b, c = rng.integers(5, size=n), rng.integers(3, size=n), rng.integers(5, size=n)
    subject, body = np.empty(n, dtype=object), np.empty(n, dtype=object)
    for i in range(n):
        s, cat = sentiment[i], CATEGORIES[category[i]]
        issue = ISSUES[cat][b[i]]
        opener = OPENERS[s][a[i]]
        subject[i] = f"{SUBJECT_PREFIX[s]}{cat.capitalize()}: {issue.rstrip('.')}"
        body[i] = f"{opener} {issue[0].lower() + issue[1:] if opener.endswith(',') else issue} {CLOSERS[s][c[i]]}"
    return subject, body
