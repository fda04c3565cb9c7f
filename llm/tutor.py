"""The tutor's turn: decide what to do, let a backend write it, guard it, stream it.

Plain data in, text chunks and a decision trace out; no HTTP, no database. The decisions are simple
rules for now (what the student asked for, what they have tried, what the teacher allows); the agent
trio replaces ``tutor_decide`` without changing the request or the trace.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any, Protocol

from llm.answer_guard import reply_reveals_answer

ASKS_FOR_ANSWER = re.compile(r"\b(answer|solution|solve it|tell me|give me|just say|what is it)\b", re.I)
ASKS_FOR_HELP = re.compile(r"\b(hint|help|stuck|lost|confus\w*|don'?t (get|understand|know)|how|why|what do i)\b", re.I)
SAFE_FALLBACK_REPLY = "Let's keep working on it together. What have you tried so far, and where did you get stuck?"
OFF_TASK = re.compile(r"\b(game|football|tiktok|youtube|movie|bored|lunch|weekend)\b", re.I)


@dataclass(frozen=True)
class TutorRequest:
    """Everything the tutor may know about one turn. The answer key is for the guard only."""

    item_prompt: str
    hints: tuple[str, ...]
    solution: str
    hints_shown: int
    attempts: int
    solved: bool
    student_text: str
    telling: str = "hints"  # the class setting: "hints" | "solution"
    answer_kind: str = "numeric"
    answer_key: str = field(default="", repr=False)
    turn: int = 0


@dataclass(frozen=True)
class TutorDecision:
    intent: str  # what the student wants: "answer" | "help" | "off_task" | "chat" | "done"
    move: str  # what the tutor does: "hint" | "encourage" | "redirect" | "worked_solution" | "celebrate"
    hint_index: int | None  # the hint this turn shows (0-based), if any
    may_reveal: bool  # whether this turn may state the answer


class TutorBackend(Protocol):
    name: str

    def stream(self, request: TutorRequest, decision: TutorDecision) -> Iterator[str]:
        """Yield the reply in chunks."""


def tutor_decide(request: TutorRequest) -> TutorDecision:
    """What the tutor should do this turn; it never tells before the student has tried."""
    text = request.student_text
    may_reveal = request.solved or (request.telling == "solution" and request.attempts >= 2)
    next_hint = request.hints_shown if request.hints_shown < len(request.hints) else None
    if request.solved:
        return TutorDecision("done", "celebrate", None, may_reveal)
    if OFF_TASK.search(text) and not ASKS_FOR_HELP.search(text):
        return TutorDecision("off_task", "redirect", None, may_reveal)
    intent = "answer" if ASKS_FOR_ANSWER.search(text) else "help" if ASKS_FOR_HELP.search(text) else "chat"
    if intent == "answer" and may_reveal:
        return TutorDecision(intent, "worked_solution", None, may_reveal)
    if intent == "chat" and request.hints_shown == 0 and request.attempts == 0:
        return TutorDecision(intent, "encourage", None, may_reveal)
    if next_hint is not None:
        return TutorDecision(intent, "hint", next_hint, may_reveal)
    return TutorDecision(intent, "encourage", None, may_reveal)


@dataclass
class TutorTurn:
    """A streamed reply. Iterate ``chunks``; afterwards ``text`` and ``trace`` hold the whole turn."""

    request: TutorRequest
    decision: TutorDecision
    backend: TutorBackend
    text: str = ""
    trace: dict[str, Any] = field(default_factory=dict)

    def chunks(self) -> Iterator[str]:
        started = time.perf_counter()
        draft = "".join(self.backend.stream(self.request, self.decision))
        guard = "passed"
        hints_seen = self.request.hints_shown if self.decision.hint_index is None else self.decision.hint_index + 1
        shown = "\n".join([self.request.item_prompt, *self.request.hints[:hints_seen]])
        if not self.decision.may_reveal and reply_reveals_answer(
            draft, answer_key=self.request.answer_key, answer_kind=self.request.answer_kind, context=shown
        ):
            guard = "blocked"
            draft = SAFE_FALLBACK_REPLY
        # The guard must see the whole draft before anything reaches the student, so chunks are cut after it.
        for chunk in re.findall(r"\S+\s*", draft):
            self.text += chunk
            yield chunk
        self.trace = {
            "backend": self.backend.name,
            "intent": self.decision.intent,
            "move": self.decision.move,
            "hint_index": self.decision.hint_index,
            "may_reveal": self.decision.may_reveal,
            "guard": guard,
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }



def tutor_backend(name: str) -> TutorBackend:
    from llm.backends.template import TemplateBackend

    backends = {"template": TemplateBackend}
    if name not in backends:
        raise ValueError(f"unknown tutor backend {name!r}; available: {', '.join(sorted(backends))}")
    return backends[name]()


def tutor_turn(request: TutorRequest, *, backend: str) -> TutorTurn:
    return TutorTurn(request=request, decision=tutor_decide(request), backend=tutor_backend(backend))
