"""The generation plan: sizes, the simulated timeline, batch windows and random streams.

Everything that decides *what* is generated lives here, so two runs with the same
``(seed, scale, batches)`` build the same plan and therefore the same records.

The simulated timeline starts on 2024-01-01 (UTC) and lasts 180 days; it is cut into
``batches`` equal windows ("days" of arrival). Batch ``b`` carries the records whose event
time falls in window ``b`` (plus the late and out-of-order records injected on purpose).

Example:
    >>> from lakehouse.datagen.plan import make_plan
    >>> plan = make_plan(scale=0.01, seed=7)
    >>> plan.n_customers, plan.num_batches, plan.window(0)[1] - plan.window(0)[0]
    (100, 6, 2592000)
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass

import numpy as np

from .errors import BadArgumentError

SOURCES = ("crm", "transactions", "clickstream", "support_tickets")
"""The four sources, in the order they are generated and landed."""

DEFAULT_SCALE = 1.0
DEFAULT_SEED = 42
DEFAULT_BATCHES = 6
TINY_SCALE = 0.01
"""A scale for tests and quick demos: 100 customers, 5k transactions, 10k events, 200 tickets."""

MIN_SCALE = 0.001
MAX_SCALE = 20.0
MAX_BATCHES = 60

START_S = 1_704_067_200  # 2024-01-01T00:00:00Z
TIMELINE_DAYS = 180
DAY_S = 86_400

BASE_SIZES = {"customers": 10_000, "transactions": 500_000, "click_events": 1_000_000, "tickets": 20_000}
"""Record counts at scale 1 (sizes scale linearly)."""

ROWS_PER_FILE = {"crm": 5_000, "transactions": 50_000, "clickstream": 200_000}
"""At most this many records per landed file; a batch is split into numbered parts."""

_STREAM_IDS = {"population": 11, "crm": 21, "transactions": 31, "clickstream": 41, "clickstream_bots": 42,
                "support_tickets": 51}


@dataclass(frozen=True)
class Plan:
    """What one generation run makes (derived from ``seed``, ``scale`` and ``num_batches``)."""

    seed: int
    scale: float
    num_batches: int

    @property
    def n_customers(self) -> int:
        """Customers in the population."""
        return _scaled("customers", self.scale)

    @property
    def n_transactions(self) -> int:
        """Genuine transactions over the whole timeline (duplicates come on top)."""
        return _scaled("transactions", self.scale)

    @property
    def n_events(self) -> int:
        """Genuine click events over the whole timeline (duplicates come on top)."""
        return _scaled("click_events", self.scale)

    @property
    def n_tickets(self) -> int:
        """Support tickets opened over the whole timeline."""
        return _scaled("tickets", self.scale)

    @property
    def window_s(self) -> int:
        """Length of one batch window in seconds."""
        return TIMELINE_DAYS * DAY_S // self.num_batches

    @property
    def start_s(self) -> int:
        """Start of the timeline (epoch seconds)."""
        return START_S

    @property
    def end_s(self) -> int:
        """End of the timeline (exclusive, epoch seconds)."""
        return START_S + self.num_batches * self.window_s

    def window(self, batch: int) -> tuple[int, int]:
        """``(start, end)`` epoch seconds of batch ``batch``'s window (end exclusive)."""
        return START_S + batch * self.window_s, START_S + (batch + 1) * self.window_s

    def batch_of(self, ts: np.ndarray) -> np.ndarray:
        """The batch whose window holds each time (times before the start map to batch 0)."""
        return np.clip((np.asarray(ts) - START_S) // self.window_s, 0, self.num_batches - 1)

    def rng(self, stream: str, batch: int = 0) -> np.random.Generator:
        """An independent random stream for ``(seed, stream, batch)``: order of work never matters."""
        return np.random.default_rng([self.seed, _STREAM_IDS[stream], batch])

    @property
    def drift_batch(self) -> int | None:
        """First batch whose clickstream files carry the new column (None with one batch)."""
        return self.num_batches // 2 if self.num_batches > 1 else None

    def empty_file_batch(self, source: str) -> int:
        """The batch that gets the one empty (zero-byte) file of ``source``."""
        wanted = {"transactions": 1, "crm": 2}[source]
        return min(wanted, self.num_batches - 1)


def _scaled(kind: str, scale: float) -> int:
    return max(1, int(math.floor(BASE_SIZES[kind] * scale + 0.5)))


def make_plan(scale: float = DEFAULT_SCALE, seed: int = DEFAULT_SEED, batches: int | None = None) -> Plan:
    """Check the arguments and build the plan.

    Args:
        scale: size multiplier, ``0.001 <= scale <= 20`` (1 = 10k customers, 500k transactions,
            1M click events, 20k tickets).
        seed: a non-negative integer; same seed and scale give the same records.
        batches: number of arrival batches, 1..60 (None = 6).

    Returns:
        A frozen :class:`Plan`.

    Raises:
        BadArgumentError: a wrong type or a value out of range (the message names the argument).

    Example:
        >>> make_plan(scale=2, seed=1, batches=3).n_transactions
        1000000
    """
    if isinstance(scale, bool) or not isinstance(scale, numbers.Real) or not math.isfinite(scale):
        raise BadArgumentError(f"scale must be a number, got {scale!r} ({type(scale).__name__}).",
                               fix=f"pass a number between {MIN_SCALE} and {MAX_SCALE}, e.g. scale=1.")
    if not MIN_SCALE <= scale <= MAX_SCALE:
        raise BadArgumentError(f"scale={scale!r} is out of range.",
                               fix=f"pass a number between {MIN_SCALE} and {MAX_SCALE} (1 = 10k customers).")
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or not 0 <= seed < 2**63:
        raise BadArgumentError(f"seed must be a non-negative integer, got {seed!r}.", fix="e.g. seed=42.")
    if batches is None:
        batches = DEFAULT_BATCHES
    if isinstance(batches, bool) or not isinstance(batches, numbers.Integral) or not 1 <= batches <= MAX_BATCHES:
        raise BadArgumentError(f"batches must be an integer from 1 to {MAX_BATCHES}, got {batches!r}.",
                               fix=f"omit it for the default ({DEFAULT_BATCHES}).")
    return Plan(seed=int(seed), scale=float(scale), num_batches=int(batches))


def allocate(total: int, weights: np.ndarray) -> np.ndarray:
    """Split ``total`` into integer parts proportional to ``weights`` (largest remainder).

    Example:
        >>> allocate(10, np.array([1.0, 1.0, 2.0])).tolist()
        [3, 2, 5]
    """
    weights = np.asarray(weights, dtype=float)
    if weights.sum() <= 0:
        weights = np.ones_like(weights)
    exact = total * weights / weights.sum()
    parts = np.floor(exact).astype(np.int64)
    short = total - int(parts.sum())
    if short:
        order = np.argsort(-(exact - parts), kind="stable")
        parts[order[:short]] += 1
    return parts
