"""Clickstream: web and app events as Parquet files.

Schema (``utm_campaign`` only from the middle batch on: schema drift on purpose)::

    event_id       string     E0000000001 (unique; a re-sent duplicate repeats it)
    customer_id    string     null for anonymous (logged-out) sessions
    anonymous_id   string     device cookie V000001234; a customer's cookie is stable
    session_hint   string     client session id, null for ~30% of sessions (sessionize yourself)
    page           string     /, /product/P00042, /search?q=shoes, /cart, /checkout, ...
    event_type     string     page_view, product_view, search, add_to_cart, checkout, purchase
    event_ts       timestamp  UTC, microseconds
    device         string     desktop, mobile, tablet
    referrer       string     null for direct traffic
    utm_campaign   string     (new column, mostly null)

Events come in sessions (about six events, ~45 s apart). Customers with a high churn risk
visit less and stop after churning; 40% of sessions are anonymous. Bot traffic (defect
``bot_event``, extra rows): sessions of 30 anonymous page and product views 1-2 s apart, each
from its own cookie (``V9........``, never a customer's), inside the batch window; event ids
``E9.........`` so they never collide with genuine ones. Silver's rule (more than 20 events a
minute over a session) flags exactly these.

Example:
    >>> from lakehouse.datagen.plan import make_plan
    >>> from lakehouse.datagen.customers import make_population
    >>> plan = make_plan(scale=0.01, seed=1)
    >>> batch = clickstream_batch(plan, make_population(plan), 0, 500, 0)
    >>> batch.records, sum(t.num_rows for t in batch.parts) >= 500
    (500, True)
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from .customers import Population, window_overlap
from .defects import (BOT_SESSION_EVENTS, DEFECT_RATES, bot_event_count, defect_count, late_times, pick_disjoint,
                      unknown_customer_ids)
from .files import prefixed, split_parts, timestamps
from .plan import ROWS_PER_FILE, Plan, allocate
from .transactions import CATEGORIES

DRIFT_COLUMN = "utm_campaign"
EVENT_TYPES = ("page_view", "product_view", "search", "add_to_cart", "checkout", "purchase")
EVENT_P = (0.35, 0.35, 0.12, 0.10, 0.05, 0.03)
DEVICES = ("desktop", "mobile", "tablet")
DEVICE_P = (0.45, 0.45, 0.10)
REFERRERS = (None, "https://www.google.com/", "https://www.bing.com/", "https://www.facebook.com/",
             "https://mail.example.com/newsletter", "https://www.instagram.com/")
REFERRER_P = (0.35, 0.30, 0.05, 0.10, 0.10, 0.10)
CAMPAIGNS = (None, "spring_sale", "newsletter_w12", "retarget_cart", "brand_search")
CAMPAIGN_P = (0.7, 0.1, 0.08, 0.07, 0.05)
SEARCH_TERMS = ("shoes", "laptop", "coffee", "gift", "headphones", "jacket", "lego", "yoga+mat")
N_PRODUCTS = 2000
GENERAL_PAGES = ("/", "/deals", "/help", "/account") + tuple(f"/category/{c}" for c in CATEGORIES)
PAGES = (GENERAL_PAGES + tuple(f"/search?q={t}" for t in SEARCH_TERMS) + ("/cart", "/checkout", "/checkout/complete")
         + tuple(f"/product/P{i:05d}" for i in range(1, N_PRODUCTS + 1)))
MEAN_SESSION_EVENTS = 6
LOGGED_IN_SHARE = 0.6
BOT_VISITOR_BASE = 900_000_000
"""Bot cookies are ``V`` + 9 digits from here: above every genuine cookie (at most 4 per customer)."""
BOT_EVENT_ID_BASE = 9_000_000_000
"""Bot event ids are ``E`` + 10 digits from here, 10 million per batch: never a genuine event id."""

SCHEMA = pa.schema([
    ("event_id", pa.string()), ("customer_id", pa.string()), ("anonymous_id", pa.string()),
    ("session_hint", pa.string()), ("page", pa.string()), ("event_type", pa.string()),
    ("event_ts", pa.timestamp("us", tz="UTC")), ("device", pa.string()), ("referrer", pa.string()),
])
"""The clickstream schema before the drift batch (after it, ``utm_campaign: string`` is appended)."""


@dataclass
class ClickBatch:
    """One batch of click events: one Arrow table per file part and the exact counts."""

    parts: list[pa.Table]
    records: int
    defects: dict[str, int] = field(default_factory=dict)


def batch_sizes(plan: Plan, pop: Population) -> np.ndarray:
    """Genuine events per batch: the total split by browsing activity in each window."""
    weight = [float((pop.click_weight * window_overlap(plan, pop, b)[1]).sum()) for b in range(plan.num_batches)]
    return allocate(plan.n_events, np.array(weight))


def _session_lengths(rng: np.random.Generator, n: int) -> np.ndarray:
    lengths = rng.geometric(1.0 / MEAN_SESSION_EVENTS, size=int(n / MEAN_SESSION_EVENTS * 1.3) + 10)
    while lengths.sum() < n:
        lengths = np.concatenate([lengths, rng.geometric(1.0 / MEAN_SESSION_EVENTS, size=len(lengths))])
    total = np.cumsum(lengths)
    last = int(np.searchsorted(total, n))
    lengths = lengths[:last + 1].copy()
    lengths[-1] -= int(total[last]) - n
    return lengths


def clickstream_batch(plan: Plan, pop: Population, batch: int, n: int, first_id: int) -> ClickBatch:
    """Generate batch ``batch``: ``n`` genuine events numbered from ``first_id``, plus defects."""
    rng = plan.rng("clickstream", batch)
    ws, we = plan.window(batch)
    lo, dur = window_overlap(plan, pop, batch)
    weight = pop.click_weight * dur

    lengths = _session_lengths(rng, n)
    s = len(lengths)
    logged = (rng.random(s) < LOGGED_IN_SHARE) & (weight.sum() > 0)
    owner = rng.choice(pop.n, size=s, p=weight / weight.sum()) if weight.sum() > 0 else np.zeros(s, dtype=np.int64)
    start = np.where(logged, lo[owner] + (rng.random(s) * dur[owner]).astype(np.int64),
                     ws + (rng.random(s) * (we - ws)).astype(np.int64))
    visitor = np.where(logged, pop.cookie[owner], rng.integers(1, 4 * pop.n + 1, size=s))
    device = rng.choice(len(DEVICES), size=s, p=DEVICE_P)
    referrer = rng.choice(len(REFERRERS), size=s, p=REFERRER_P)
    hinted = rng.random(s) < 0.7
    campaign = rng.choice(len(CAMPAIGNS), size=s, p=CAMPAIGN_P)

    sess = np.repeat(np.arange(s), lengths)
    offsets = np.cumsum(lengths) - lengths
    pos = np.arange(n) - offsets[sess]
    gaps = rng.exponential(45.0, size=n).astype(np.int64) + 1
    gaps[pos == 0] = 0
    clock = np.cumsum(gaps)
    ts = np.minimum(start[sess] + clock - clock[offsets[sess]], we - 1)
    etype = np.where(pos == 0, 0, rng.choice(len(EVENT_TYPES), size=n, p=EVENT_P))
    page = _pages(rng, etype)

    order = np.argsort(ts, kind="stable")
    sess, ts, etype, page = sess[order], ts[order], etype[order], page[order]
    is_logged = logged[sess]

    rates = DEFECT_RATES["clickstream"]
    logged_rows = np.flatnonzero(is_logged)
    unknown = pick_disjoint(rng, logged_rows, {"unknown_customer_id": defect_count(
        rates["unknown_customer_id"], n, eligible=len(logged_rows))})["unknown_customer_id"]
    rest = np.setdiff1d(np.arange(n), unknown)
    late = pick_disjoint(rng, rest, {"late_event": defect_count(rates["late_event"], n, eligible=len(rest))})["late_event"]
    clean = np.setdiff1d(rest, late)
    dup = np.sort(rng.choice(clean, size=defect_count(rates["duplicate"], n, eligible=len(clean)), replace=False))

    arrival = ts.copy()
    ts = ts.copy()
    ts[late] = late_times(rng, ws, len(late))
    customer = np.array(pop.ids)[owner[sess]]
    customer[unknown] = unknown_customer_ids(rng, len(unknown))

    columns = {
        "event_id": prefixed("E", first_id + np.arange(n), 10),
        "customer_id": pa.array(customer, mask=~is_logged),
        "anonymous_id": prefixed("V", visitor[sess], 9),
        "session_hint": pc.if_else(pa.array(hinted[sess]), prefixed(f"S{batch:03d}-", sess, 7),
                                   pa.scalar(None, pa.string())),
        "page": pa.array(PAGES).take(pa.array(page)),
        "event_type": pa.array(np.array(EVENT_TYPES)[etype]),
        "event_ts": timestamps(ts),
        "device": pa.array(np.array(DEVICES)[device[sess]]),
        "referrer": pa.array(REFERRERS, pa.string()).take(pa.array(referrer[sess])),
    }
    drift = plan.drift_batch is not None and batch >= plan.drift_batch
    if drift:
        columns[DRIFT_COLUMN] = pa.array(CAMPAIGNS, pa.string()).take(pa.array(campaign[sess]))
    table = pa.table(columns)
    resent = np.minimum(arrival[dup] + rng.integers(60, 86_400, len(dup)), we - 1)
    bots, bot_ts = _bot_events(plan, batch, bot_event_count(n), drift)
    table = pa.concat_tables([table, table.take(pa.array(dup, type=pa.int64())), bots])
    table = table.take(pa.array(np.argsort(np.concatenate([arrival, resent, bot_ts]), kind="stable")))
    parts = [table.slice(a, z - a) for a, z in split_parts(table.num_rows, ROWS_PER_FILE["clickstream"])]
    defects = {"duplicate": len(dup), "late_event": len(late), "unknown_customer_id": len(unknown),
               "bot_event": bots.num_rows, "schema_drift": table.num_rows if drift else 0}
    return ClickBatch(parts=parts, records=n, defects=defects)


def _bot_events(plan: Plan, batch: int, count: int, drift: bool) -> tuple[pa.Table, np.ndarray]:
    """``count`` bot events (whole sessions of BOT_SESSION_EVENTS) and their event times, own random stream."""
    rng = plan.rng("clickstream_bots", batch)
    ws, we = plan.window(batch)
    sessions = count // BOT_SESSION_EVENTS
    span = 2 * BOT_SESSION_EVENTS
    start = ws + (rng.random(sessions) * max(1, we - ws - span)).astype(np.int64)
    gaps = rng.integers(1, 3, size=(sessions, BOT_SESSION_EVENTS))
    gaps[:, 0] = 0
    ts = (start[:, None] + np.cumsum(gaps, axis=1)).ravel()
    sess = np.repeat(np.arange(sessions), BOT_SESSION_EVENTS)
    etype = rng.integers(0, 2, size=count)                     # page_view or product_view
    none = pa.nulls(count, pa.string())
    columns = {
        "event_id": prefixed("E", BOT_EVENT_ID_BASE + batch * 10_000_000 + np.arange(count), 10),
        "customer_id": none,
        "anonymous_id": prefixed("V", BOT_VISITOR_BASE + batch * 100_000 + sess, 9),
        "session_hint": none,
        "page": pa.array(PAGES).take(pa.array(_pages(rng, etype))),
        "event_type": pa.array(np.array(EVENT_TYPES)[etype]),
        "event_ts": timestamps(ts),
        "device": pa.array(np.full(count, DEVICES[0])),
        "referrer": none,
    }
    if drift:
        columns[DRIFT_COLUMN] = none
    return pa.table(columns), ts


def _pages(rng: np.random.Generator, etype: np.ndarray) -> np.ndarray:
    """Index into :data:`PAGES` for each event, by event type."""
    n = len(etype)
    n_general, n_search = len(GENERAL_PAGES), len(SEARCH_TERMS)
    cart = n_general + n_search
    product = rng.integers(cart + 3, len(PAGES), size=n)
    choices = np.stack([
        rng.integers(0, n_general, size=n),           # page_view
        product,                                      # product_view
        rng.integers(n_general, cart, size=n),        # search
        np.full(n, cart), np.full(n, cart + 1), np.full(n, cart + 2),  # add_to_cart, checkout, purchase
    ])
    return choices[etype, np.arange(n)]
