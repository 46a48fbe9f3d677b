"""Customers: the hidden population (with churn risk) and the CRM change feed (JSON lines).

The population is generated once per plan. Each customer has a latent ``churn_risk``; risky
customers are more likely to churn (stop buying and browsing), buy less often, and open more
(and more negative) support tickets, so features built downstream find a real signal.

The CRM feed is a CDC stream, one JSON object per line::

    {"customer_id": "C0000042", "operation": "UPDATE", "sequence_num": 10311,
     "updated_at": "2024-02-03T10:11:12Z", "first_name": "Ana", "last_name": "Silva",
     "email": "...", "phone": "...", "address": {"street": "...", "city": "...", "state": "...",
     "postal_code": "...", "country": "US"}, "signup_date": "2021-05-03",
     "loyalty_tier": "silver", "marketing_consent": true}

``operation`` is ``INSERT`` (sign-up; batch 0 holds everyone who signed up before the
timeline), ``UPDATE`` (a full after-image) or ``DELETE`` (key, sequence and time only).
``sequence_num`` orders all changes; rows inside a file are shuffled.

Example:
    >>> from lakehouse.datagen.plan import make_plan
    >>> pop = make_population(make_plan(scale=0.01, seed=1))
    >>> pop.n, pop.ids[0]
    (100, 'C0000001')
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

import numpy as np

from .defects import DEFECT_RATES, defect_count, unknown_customer_ids
from .files import iso_dates, iso_times
from .plan import DAY_S, ROWS_PER_FILE, START_S, Plan

NEVER = 2**62
HISTORY_START_S = 1_546_300_800  # 2019-01-01: sign-ups before the timeline start here

COUNTRIES = ("US", "GB", "DE", "FR")
COUNTRY_P = (0.7, 0.1, 0.1, 0.1)
CURRENCIES = ("USD", "GBP", "EUR", "EUR")
CITIES = (  # (country index, city, state, postal prefix, region)
    (0, "New York", "NY", "100", "us-east"), (0, "Boston", "MA", "021", "us-east"),
    (0, "Miami", "FL", "331", "us-east"), (0, "Chicago", "IL", "606", "us-central"),
    (0, "Dallas", "TX", "752", "us-central"), (0, "Denver", "CO", "802", "us-central"),
    (0, "Seattle", "WA", "981", "us-west"), (0, "San Francisco", "CA", "941", "us-west"),
    (0, "Los Angeles", "CA", "900", "us-west"),
    (1, "London", "ENG", "EC1", "uk"), (1, "Manchester", "ENG", "M14", "uk"), (1, "Edinburgh", "SCT", "EH1", "uk"),
    (2, "Berlin", "BE", "101", "eu-central"), (2, "Munich", "BY", "803", "eu-central"),
    (2, "Hamburg", "HH", "203", "eu-central"),
    (3, "Paris", "IDF", "750", "eu-west"), (3, "Lyon", "ARA", "690", "eu-west"), (3, "Marseille", "PAC", "130", "eu-west"),
)
REGIONS = ("us-east", "us-central", "us-west", "uk", "eu-central", "eu-west")
CITY_REGION = np.array([REGIONS.index(c[4]) for c in CITIES])
CITY_COUNTRY = np.array([c[0] for c in CITIES])
FIRST = ("Ana", "Ben", "Chloe", "David", "Emma", "Farid", "Grace", "Hiro", "Isla", "Jonas", "Kara", "Liam",
         "Maya", "Noah", "Olivia", "Priya", "Quinn", "Rosa", "Sam", "Tara", "Umar", "Vera", "Wei", "Yusuf",
         "Zoe", "Lena", "Marco", "Nina", "Omar", "Paul")
LAST = ("Silva", "Smith", "Garcia", "Mueller", "Martin", "Dubois", "Brown", "Khan", "Nguyen", "Rossi", "Kim",
        "Patel", "Lopez", "Jones", "Weber", "Moreau", "Taylor", "Wilson", "Chen", "Novak", "Fischer", "Walker")
STREETS = ("Oak St", "Maple Ave", "High St", "Station Rd", "Park Lane", "Elm St", "Church Rd", "Mill Way",
           "River Rd", "Hauptstr.", "Rue de la Paix", "Bahnhofstr.", "Market St", "King St")
DOMAINS = ("example.com", "mail.example", "inbox.example", "post.example")
TIERS = ("bronze", "silver", "gold", "platinum")
UPDATE_ATTRS = ("email", "phone", "address", "loyalty_tier", "marketing_consent")
UPDATE_ATTR_P = (0.3, 0.2, 0.2, 0.2, 0.1)
INSERT, UPDATE, DELETE = 0, 1, 2
OPERATIONS = ("INSERT", "UPDATE", "DELETE")


@dataclass(frozen=True)
class Population:
    """The customers and their hidden traits (arrays indexed by customer number - 1)."""

    ids: list[str]
    signup: np.ndarray
    churn_risk: np.ndarray
    churn_at: np.ndarray
    deleted_at: np.ndarray
    city: np.ndarray
    buy_weight: np.ndarray
    click_weight: np.ndarray
    ticket_weight: np.ndarray
    cookie: np.ndarray

    @property
    def n(self) -> int:
        """Number of customers."""
        return len(self.ids)

    @property
    def region(self) -> np.ndarray:
        """Index into :data:`REGIONS` of each customer's home region."""
        return CITY_REGION[self.city]

    @property
    def country(self) -> np.ndarray:
        """Index into :data:`COUNTRIES` of each customer's country."""
        return CITY_COUNTRY[self.city]

    def active(self, end_s: int, *, grace_s: int = 0) -> tuple[np.ndarray, np.ndarray]:
        """``(from, until)`` epoch seconds in which each customer buys and browses on the timeline.

        ``grace_s`` extends the period past churn (tickets come a little after the last order).
        """
        start = np.maximum(self.signup, START_S)
        until = np.minimum(np.minimum(self.churn_at + grace_s, self.deleted_at), end_s)
        return start, np.maximum(until, start)


def window_overlap(plan: Plan, pop: Population, batch: int) -> tuple[np.ndarray, np.ndarray]:
    """``(from, seconds)``: where each customer's active period meets batch ``batch``'s window."""
    start, until = pop.active(plan.end_s)
    ws, we = plan.window(batch)
    lo = np.maximum(start, ws)
    return lo, np.maximum(np.minimum(until, we) - lo, 0)


def make_population(plan: Plan) -> Population:
    """Draw the customers of ``plan`` (sign-up, churn, deletion, home city, activity weights)."""
    rng = plan.rng("population")
    n, end = plan.n_customers, plan.end_s
    existing = rng.random(n) < 0.85
    signup = np.sort(np.where(existing, rng.integers(HISTORY_START_S, START_S, n), rng.integers(START_S, end, n)))
    risk = rng.beta(2.0, 5.0, n)
    churned = rng.random(n) < 0.1 + 0.7 * risk
    lo = np.maximum(signup, START_S) + 14 * DAY_S
    churn_at = np.where(churned, lo + (rng.random(n) * (end + 90 * DAY_S - lo)).astype(np.int64), NEVER)
    deleted = (churn_at < end) & (rng.random(n) < 0.25)
    deleted_at = np.where(deleted, churn_at + rng.integers(7 * DAY_S, 40 * DAY_S, n), NEVER)
    deleted_at = np.where(deleted_at < end, deleted_at, NEVER)
    country = rng.choice(len(COUNTRIES), size=n, p=COUNTRY_P)
    per_country = [np.flatnonzero(CITY_COUNTRY == c) for c in range(len(COUNTRIES))]
    pick = rng.random(n)
    city = np.array([per_country[c][int(p * len(per_country[c]))] for c, p in zip(country, pick)], dtype=np.int64)
    return Population(
        ids=[f"C{i:07d}" for i in range(1, n + 1)],
        signup=signup.astype(np.int64),
        churn_risk=risk,
        churn_at=churn_at.astype(np.int64),
        deleted_at=deleted_at.astype(np.int64),
        city=city,
        buy_weight=rng.lognormal(0.0, 0.5, n) * (1.0 - 0.8 * risk),
        click_weight=rng.lognormal(0.0, 0.5, n) * (1.0 - 0.6 * risk),
        ticket_weight=rng.lognormal(0.0, 0.3, n) * (0.3 + 2.5 * risk ** 1.5),
        cookie=rng.permutation(4 * n)[:n] + 1,
    )


@dataclass
class CrmBatch:
    """One batch of the CRM feed: the JSON lines of each file part and the exact counts."""

    parts: list[list[str]]
    records: int
    defects: dict[str, int] = field(default_factory=dict)


class _Images:
    """Draws customer attributes and changes from one random stream (sequential, deterministic)."""

    def __init__(self, rng: np.random.Generator, pop: Population):
        self.rng, self.pop = rng, pop

    def initial(self) -> list[dict]:
        rng, pop, n = self.rng, self.pop, self.pop.n
        first = rng.integers(len(FIRST), size=n)
        last = rng.integers(len(LAST), size=n)
        domain = rng.integers(len(DOMAINS), size=n)
        score = (1.0 - pop.churn_risk) + rng.normal(0.0, 0.15, n)
        tier = np.searchsorted([0.55, 0.75, 0.9], score)
        consent = rng.random(n) < 0.6
        dates = iso_dates(pop.signup)
        images = []
        for i in range(n):
            f, l_ = FIRST[first[i]], LAST[last[i]]
            images.append({
                "first_name": f, "last_name": l_,
                "email": f"{f}.{l_}{i + 1}@{DOMAINS[domain[i]]}".lower(),
                "phone": self.phone(pop.country[i]),
                "address": self.address(int(pop.city[i])),
                "signup_date": str(dates[i]),
                "loyalty_tier": TIERS[tier[i]],
                "marketing_consent": bool(consent[i]),
            })
        return images

    def phone(self, country: int) -> str:
        a, b = self.rng.integers(100, 1000), self.rng.integers(1000, 10000)
        return ("+1-555-{}-{}", "+44-20-7946-{}{}", "+49-30-{}-{}", "+33-1-{}-{}")[country].format(a, b)

    def address(self, city: int) -> dict:
        _, name, state, prefix, _ = CITIES[city]
        return {"street": f"{self.rng.integers(1, 300)} {STREETS[self.rng.integers(len(STREETS))]}",
                "city": name, "state": state, "postal_code": f"{prefix}{self.rng.integers(0, 100):02d}",
                "country": COUNTRIES[CITY_COUNTRY[city]]}

    def changed(self, image: dict, attr: str, customer: int) -> dict:
        """A copy of ``image`` with a fresh value for ``attr``."""
        new = dict(image)
        if attr == "email":
            new["email"] = (f"{image['first_name']}.{image['last_name']}{self.rng.integers(10, 100000)}"
                            f"@{DOMAINS[self.rng.integers(len(DOMAINS))]}").lower()
        elif attr == "phone":
            new["phone"] = self.phone(int(self.pop.country[customer]))
        elif attr == "address":
            same_country = np.flatnonzero(CITY_COUNTRY == self.pop.country[customer])
            new["address"] = self.address(int(same_country[self.rng.integers(len(same_country))]))
        elif attr == "loyalty_tier":
            step = 1 if self.rng.random() < 1.0 - self.pop.churn_risk[customer] else -1
            now = TIERS.index(image["loyalty_tier"])
            new["loyalty_tier"] = TIERS[now + step if 0 <= now + step < len(TIERS) else now - step]
        else:
            new["marketing_consent"] = not image["marketing_consent"]
        return new


def crm_batches(plan: Plan, pop: Population) -> list[CrmBatch]:
    """Generate the CRM change feed of every batch, with its defects (see module doc).

    Returns:
        One :class:`CrmBatch` per batch; ``records`` counts genuine changes, ``defects`` the
        exact number of each injected kind.
    """
    rng = plan.rng("crm")
    maker = _Images(rng, pop)
    images0 = maker.initial()
    cust, times, ops = _natural_events(plan, pop, rng)
    attrs = np.where(ops == UPDATE, rng.choice(len(UPDATE_ATTRS), size=len(ops), p=UPDATE_ATTR_P), -1)
    batch = plan.batch_of(times)
    records = np.bincount(batch, minlength=plan.num_batches)

    order = np.lexsort((cust, ops, times))
    images: dict[int, dict] = {}
    image_after: dict[int, dict] = {}
    previous_event: dict[int, int] = {}
    last_event: dict[int, int] = {}
    for e in order:
        c = int(cust[e])
        if ops[e] == INSERT:
            images[c] = images0[c]
        elif ops[e] == UPDATE:
            images[c] = maker.changed(images[c], UPDATE_ATTRS[attrs[e]], c)
        image_after[int(e)] = images[c]
        if c in last_event:
            previous_event[int(e)] = last_event[c]
        last_event[c] = int(e)

    stale = _out_of_order(plan, rng, maker, cust, times, ops, attrs, batch, records, image_after, previous_event)
    # sequence numbers follow event time over genuine and stale changes together
    all_times = np.concatenate([times, np.array([s["time"] for s in stale], dtype=np.int64)])
    all_cust = np.concatenate([cust, np.array([s["customer"] for s in stale], dtype=np.int64)])
    all_ops = np.concatenate([ops, np.full(len(stale), UPDATE)])
    seq = np.empty(len(all_times), dtype=np.int64)
    seq[np.lexsort((all_cust, all_ops, all_times))] = np.arange(1, len(all_times) + 1)
    stamps = iso_times(all_times)

    genuine: list[list[dict]] = [[] for _ in range(plan.num_batches)]
    for e in range(len(times)):
        genuine[batch[e]].append(_record(pop.ids[cust[e]], OPERATIONS[ops[e]], seq[e], stamps[e], image_after.get(e)))
    late: list[list[dict]] = [[] for _ in range(plan.num_batches)]
    for j, s in enumerate(stale):
        e = len(times) + j
        late[s["batch"]].append(_record(pop.ids[s["customer"]], "UPDATE", seq[e], stamps[e], s["image"]))

    out = []
    for b in range(plan.num_batches):
        out.append(_finish_batch(plan, b, plan.rng("crm", b + 1), genuine[b], late[b]))
    return out


def _natural_events(plan: Plan, pop: Population, rng: np.random.Generator):
    """Sign-ups, updates and deletions of every customer: (customer, time, operation) arrays."""
    n = pop.n
    start = np.maximum(pop.signup, START_S)
    until = np.minimum(pop.deleted_at, plan.end_s)
    span = np.maximum(until - start, 0)
    n_updates = rng.poisson(0.8 * span / (plan.end_s - START_S))
    n_updates[span < 2] = 0
    up_cust = np.repeat(np.arange(n), n_updates)
    up_time = start[up_cust] + 1 + (rng.random(len(up_cust)) * (span[up_cust] - 1)).astype(np.int64)
    deleted = np.flatnonzero(pop.deleted_at < plan.end_s)
    cust = np.concatenate([np.arange(n), up_cust, deleted])
    times = np.concatenate([pop.signup, up_time, pop.deleted_at[deleted]]).astype(np.int64)
    ops = np.concatenate([np.full(n, INSERT), np.full(len(up_cust), UPDATE), np.full(len(deleted), DELETE)])
    return cust.astype(np.int64), times, ops


def _out_of_order(plan, rng, maker, cust, times, ops, attrs, batch, records, image_after, previous_event):
    """Stale UPDATEs: a change that happened between two delivered changes of a customer, arriving
    in a later batch. It changes the same attribute as the newer change, so histories stay consistent."""
    rate = DEFECT_RATES["crm"]["out_of_order"]
    stale = []
    updates = np.flatnonzero(ops == UPDATE)
    for b in range(1, plan.num_batches):
        delivered = updates[batch[updates] <= b - 1]
        anchors: dict[int, int] = {}
        for e in delivered[np.argsort(times[delivered], kind="stable")]:
            anchors[int(cust[e])] = int(e)  # the latest delivered update per customer
        eligible = [c for c in sorted(anchors) if times[anchors[c]] - times[previous_event[anchors[c]]] >= 2]
        k = defect_count(rate, int(records[b]), eligible=len(eligible))
        for c in (rng.choice(eligible, size=k, replace=False) if k else []):
            anchor = anchors[int(c)]
            prev = previous_event[anchor]
            t = int(rng.integers(times[prev] + 1, times[anchor]))
            image = maker.changed(image_after[prev], UPDATE_ATTRS[attrs[anchor]], int(c))
            stale.append({"customer": int(c), "time": t, "batch": b, "image": image})
    return stale


def _record(customer_id, operation: str, seq, stamp, image: dict | None) -> dict:
    rec = {"customer_id": customer_id, "operation": operation, "sequence_num": int(seq), "updated_at": str(stamp)}
    if operation != "DELETE" and image is not None:
        rec.update(image)
    return rec


def _finish_batch(plan: Plan, b: int, rng: np.random.Generator, genuine: list[dict], stale: list[dict]) -> CrmBatch:
    """Add the per-batch extra lines, shuffle, and cut into file parts."""
    rates = DEFECT_RATES["crm"]
    n = len(genuine)
    with_image = [r for r in genuine if r["operation"] != "DELETE"]
    k_null = defect_count(rates["null_customer_id"], n, eligible=len(with_image))
    k_unknown = defect_count(rates["unknown_customer_id"], n, eligible=len(with_image))
    k_bad = defect_count(rates["malformed_json"], n)
    lines = [json.dumps(r, separators=(",", ":")) for r in genuine + stale]
    for i in rng.choice(len(with_image), size=k_null, replace=True) if k_null else []:
        lines.append(json.dumps(dict(with_image[i], customer_id=None, operation="UPDATE"), separators=(",", ":")))
    for i, cid in zip(rng.choice(len(with_image), size=k_unknown, replace=True) if k_unknown else [],
                      unknown_customer_ids(rng, k_unknown)):
        lines.append(json.dumps(dict(with_image[i], customer_id=cid, operation="UPDATE"), separators=(",", ":")))
    for i in rng.choice(n, size=k_bad, replace=True) if k_bad else []:
        line = lines[i]
        lines.append(line[: int(rng.integers(1, len(line) - 1))])
    lines = [lines[i] for i in rng.permutation(len(lines))]
    per = ROWS_PER_FILE["crm"]
    count = max(1, -(-len(lines) // per))
    parts = [lines[i * len(lines) // count:(i + 1) * len(lines) // count] for i in range(count)]
    empty = b == plan.empty_file_batch("crm")
    if empty:
        parts.append([])
    defects = {"malformed_json": k_bad, "null_customer_id": k_null, "unknown_customer_id": k_unknown,
               "out_of_order": len(stale), "empty_file": int(empty)}
    return CrmBatch(parts=parts, records=n, defects=defects)


def truth_table(plan: Plan, pop: Population):
    """The hidden answers per customer (for checking labs, never a feature): an Arrow table."""
    import pyarrow as pa

    from .files import timestamps

    churned = pop.churn_at < plan.end_s
    deleted = pop.deleted_at < plan.end_s
    return pa.table({
        "customer_id": pa.array(pop.ids),
        "signup_at": timestamps(pop.signup),
        "churn_risk": pa.array(pop.churn_risk),
        "churned": pa.array(churned),
        "churn_at": pa.array(np.where(churned, pop.churn_at, 0) * 1_000_000, type=pa.timestamp("us", tz="UTC"),
                             mask=~churned),
        "deleted": pa.array(deleted),
    })
