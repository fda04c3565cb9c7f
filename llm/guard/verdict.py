"""What the guard says about a reply: the verdict, the findings it is made of, and the redaction of their spans."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

REDACTED = "…"


@dataclass(frozen=True)
class GuardVerdict:
    revealed: bool
    reason: str  # e.g. "states the answer 3/4 as 0.75"; "" when clean
    spans: tuple[tuple[int, int], ...]  # character spans in the reply to redact, sorted, not overlapping


@dataclass(frozen=True)
class Finding:
    """One way a detector saw the answer given away, and where in the reply."""

    reason: str
    spans: tuple[tuple[int, int], ...]


def spans_merge(spans: Sequence[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    """The spans sorted, overlapping ones joined."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return tuple(merged)



def reply_redact(reply: str, verdict: GuardVerdict) -> str:
    """The reply with each revealing span replaced by "…", so what is left still reads as a sentence."""
    pieces, cursor = [], 0
    for start, end in spans_merge(verdict.spans):
        pieces += [reply[cursor:start], REDACTED]
        cursor = end
    return "".join(pieces) + reply[cursor:]
