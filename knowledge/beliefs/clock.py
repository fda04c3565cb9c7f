"""The learner model's clock: days since a fixed epoch, as float32 tensors hold them."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

SECONDS_PER_DAY = 86400.0
CLOCK_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)


def days(at: datetime) -> float:
    """Days since CLOCK_EPOCH. A recent origin keeps float32 tensors precise to seconds (days since 1970 would round
    to minutes, blurring the gaps within a session)."""
    return (at - CLOCK_EPOCH).total_seconds() / SECONDS_PER_DAY


def moment(day: float) -> datetime:
    """The inverse of ``days``."""
    return CLOCK_EPOCH + timedelta(days=day)
