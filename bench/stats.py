"""Percentile summaries (p50, p90, p99, count) and per-second rates over a time window."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(sorted_values: Sequence[float], q: float) -> float:
    """The ``q``-th percentile (0-100) by linear interpolation between closest ranks."""
    if not sorted_values:
        return math.nan
    rank = (len(sorted_values) - 1) * q / 100
    low, high = math.floor(rank), math.ceil(rank)
    return sorted_values[low] + (sorted_values[high] - sorted_values[low]) * (rank - low)


@dataclass(frozen=True)
class Summary:
    """p50, p90, p99, count, and the mean, min and max of some values."""

    count: int
    p50: float | None
    p90: float | None
    p99: float | None
    mean: float | None
    min: float | None
    max: float | None

    @classmethod
    def of(cls, values: Iterable[float]) -> Summary:
        data = sorted(values)
        if not data:
            return cls(0, None, None, None, None, None, None)
        return cls(
            count=len(data),
            p50=percentile(data, 50),
            p90=percentile(data, 90),
            p99=percentile(data, 99),
            mean=sum(data) / len(data),
            min=data[0],
            max=data[-1],
        )

    def as_dict(self) -> dict[str, Any]:
        """The summary with values rounded to 0.01 (milliseconds, frames or bytes)."""
        return {k: round(v, 2) if isinstance(v, float) else v for k, v in asdict(self).items()}


def per_second(events: Iterable[tuple[float, float]], window: tuple[float, float]) -> list[float]:
    """Sum of ``(time_ms, amount)`` in each whole second of ``window`` (a partial last second is
    dropped); one value per second."""
    start, end = window
    seconds = int((end - start) // 1000)
    buckets = [0.0] * seconds
    for t, amount in events:
        slot = int((t - start) // 1000)
        if 0 <= slot < seconds:
            buckets[slot] += amount
    return buckets


def rate(events: Iterable[tuple[float, float]], window: tuple[float, float]) -> float:
    """Total of ``amount`` within ``window``, per second of it."""
    start, end = window
    if end <= start:
        return math.nan
    return sum(a for t, a in events if start <= t < end) * 1000 / (end - start)
