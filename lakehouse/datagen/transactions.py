"""Transactions: purchases as CSV files with a header row.

Columns (all written as text; no value is quoted)::

    transaction_id,customer_id,transaction_ts,amount,currency,channel,product_category,quantity,store_id,region
    T0000012345,C0000042,2024-02-03T10:11:12Z,59.90,USD,store,home,2,S012,us-central

A customer buys at a rate that falls with churn risk and stops after churning. Rows are in
arrival order (by event time; late rows and re-sent duplicates break that order).

Example:
    >>> from lakehouse.datagen.plan import make_plan
    >>> from lakehouse.datagen.customers import make_population
    >>> plan = make_plan(scale=0.01, seed=1)
    >>> counts = batch_sizes(plan, make_population(plan))
    >>> int(counts.sum()) == plan.n_transactions
    True
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pcsv

from .customers import CURRENCIES, REGIONS, Population, window_overlap
from .defects import DEFECT_RATES, defect_count, late_times, pick_disjoint, unknown_customer_ids
from .files import iso_times, prefixed, split_parts
from .plan import ROWS_PER_FILE, Plan, allocate

COLUMNS = ("transaction_id", "customer_id", "transaction_ts", "amount", "currency", "channel",
           "product_category", "quantity", "store_id", "region")
CHANNELS = ("store", "web", "app")
CHANNEL_P = (0.45, 0.35, 0.20)
CATEGORIES = ("electronics", "home", "fashion", "beauty", "grocery", "sports", "toys", "books")
CATEGORY_P = (0.10, 0.14, 0.18, 0.10, 0.24, 0.08, 0.06, 0.10)
MEDIAN_PRICE = (180.0, 45.0, 40.0, 22.0, 12.0, 55.0, 25.0, 15.0)
WRONG_AMOUNTS = ("N/A", "12.5O", "twelve", "?", "1.2.3")
WRONG_QUANTITIES = ("two", "1x", "many", "3pcs")
STORES_PER_REGION = 5
_MISSING = "~MISSING~"


@dataclass
class TxnBatch:
    """One batch of transactions: CSV bytes per file part, rows per part, exact counts."""

    parts: list[bytes]
    part_rows: list[int]
    records: int
    defects: dict[str, int] = field(default_factory=dict)


def batch_sizes(plan: Plan, pop: Population) -> np.ndarray:
    """Genuine transactions per batch: the total split by buying activity in each window."""
    weight = [float((pop.buy_weight * window_overlap(plan, pop, b)[1]).sum()) for b in range(plan.num_batches)]
    return allocate(plan.n_transactions, np.array(weight))


def transaction_batch(plan: Plan, pop: Population, batch: int, n: int, first_id: int) -> TxnBatch:
    """Generate batch ``batch``: ``n`` genuine transactions numbered from ``first_id``, plus defects."""
    rng = plan.rng("transactions", batch)
    ws, we = plan.window(batch)
    lo, dur = window_overlap(plan, pop, batch)
    weight = pop.buy_weight * dur
    cust = rng.choice(pop.n, size=n, p=weight / weight.sum())
    ts = lo[cust] + (rng.random(n) * dur[cust]).astype(np.int64)
    order = np.argsort(ts, kind="stable")
    cust, ts = cust[order], ts[order]
    channel = rng.choice(len(CHANNELS), size=n, p=CHANNEL_P)
    category = rng.choice(len(CATEGORIES), size=n, p=CATEGORY_P)
    quantity = 1 + rng.poisson(0.4, size=n)
    price = np.exp(np.log(np.array(MEDIAN_PRICE))[category] + rng.normal(0.0, 0.6, n))
    cents = np.maximum(np.round(price * 100).astype(np.int64), 99) * quantity
    region = pop.region[cust]
    store = np.where(channel == 0, region * STORES_PER_REGION + rng.integers(0, STORES_PER_REGION, n) + 1, 0)

    rates = DEFECT_RATES["transactions"]
    kinds = ("late_event", "wrong_type", "missing_field", "null_customer_id", "unknown_customer_id", "negative_amount")
    picked = pick_disjoint(rng, np.arange(n), {k: defect_count(rates[k], n) for k in kinds})
    defective = np.zeros(n, dtype=bool)
    for idx in picked.values():
        defective[idx] = True
    clean = np.flatnonzero(~defective)
    dup = np.sort(rng.choice(clean, size=defect_count(rates["duplicate"], n, eligible=len(clean)), replace=False))

    arrival = ts.copy()
    ts = ts.copy()
    ts[picked["late_event"]] = late_times(rng, ws, len(picked["late_event"]))
    cents[picked["negative_amount"]] *= -1
    ids = np.array(pop.ids)[cust]
    ids[picked["unknown_customer_id"]] = unknown_customer_ids(rng, len(picked["unknown_customer_id"]))
    null_id = np.zeros(n, dtype=bool)
    null_id[picked["null_customer_id"]] = True

    table = pa.table({
        "transaction_id": prefixed("T", first_id + np.arange(n), 10),
        "customer_id": pa.array(ids, mask=null_id),
        "transaction_ts": pa.array(iso_times(ts)),
        "amount": _amounts(cents),
        "currency": pa.array(np.array(CURRENCIES)[pop.country[cust]]),
        "channel": pa.array(np.array(CHANNELS)[channel]),
        "product_category": pa.array(np.array(CATEGORIES)[category]),
        "quantity": pc.cast(pa.array(quantity), pa.string()),
        "store_id": pc.if_else(pa.array(store > 0), prefixed("S", store, 3), "ONLINE"),
        "region": pa.array(np.array(REGIONS)[region]),
    })
    wrong = picked["wrong_type"]
    bad_amount, bad_quantity = wrong[0::2], wrong[1::2]
    table = _replace(table, "amount", bad_amount, [WRONG_AMOUNTS[i % len(WRONG_AMOUNTS)] for i in range(len(bad_amount))])
    table = _replace(table, "quantity", bad_quantity,
                     [WRONG_QUANTITIES[i % len(WRONG_QUANTITIES)] for i in range(len(bad_quantity))])
    table = _replace(table, "region", picked["missing_field"], [_MISSING] * len(picked["missing_field"]))

    # re-sent duplicates arrive a little after their original; order the batch by arrival
    resent = np.minimum(arrival[dup] + rng.integers(60, 2 * 86_400, len(dup)), we - 1)
    table = pa.concat_tables([table, table.take(pa.array(dup, type=pa.int64()))])
    table = table.take(pa.array(np.argsort(np.concatenate([arrival, resent]), kind="stable")))

    parts, part_rows = [], []
    for a, z in split_parts(table.num_rows, ROWS_PER_FILE["transactions"]):
        parts.append(_csv(table.slice(a, z - a)))
        part_rows.append(z - a)
    empty = batch == plan.empty_file_batch("transactions")
    if empty:
        parts.append(b"")
        part_rows.append(0)
    defects = {k: len(picked[k]) for k in kinds}
    defects.update(duplicate=len(dup), empty_file=int(empty))
    return TxnBatch(parts=parts, part_rows=part_rows, records=n,
                    defects={k: defects[k] for k in (*DEFECT_RATES["transactions"], "empty_file")})


def _amounts(cents: np.ndarray) -> pa.Array:
    """Integer cents -> ``"12.30"`` / ``"-4.05"`` strings."""
    whole = np.abs(cents)
    text = pc.binary_join_element_wise(pc.cast(pa.array(whole // 100), pa.string()),
                                       pc.utf8_lpad(pc.cast(pa.array(whole % 100), pa.string()), 2, "0"), ".")
    return pc.if_else(pa.array(cents < 0), pc.binary_join_element_wise("-", text, ""), text)


def _replace(table: pa.Table, column: str, rows: np.ndarray, values: list[str]) -> pa.Table:
    if len(rows) == 0:
        return table
    mask = np.zeros(table.num_rows, dtype=bool)
    mask[rows] = True
    i = table.schema.get_field_index(column)
    col = pc.replace_with_mask(table.column(column).combine_chunks(), pa.array(mask), pa.array(values, pa.string()))
    return table.set_column(i, column, col)


def _csv(table: pa.Table) -> bytes:
    sink = pa.BufferOutputStream()
    pcsv.write_csv(table, sink, pcsv.WriteOptions(include_header=False, quoting_style="none"))
    body = sink.getvalue().to_pybytes().replace(("," + _MISSING + "\n").encode(), b"\n")
    return (",".join(table.schema.names) + "\n").encode() + body
