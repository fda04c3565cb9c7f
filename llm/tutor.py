"""One tutor turn: Diagnostician -> Planner -> Tutor -> guard, streamed.

Plain data in (``TutorRequest``), text chunks and a decision trace out; no HTTP, no database. The web chat
and ``python -m llm.converse`` both come through ``tutor_turn``.

The guard sees every word before the student does. A template draft is complete before it is checked; a
generative backend's tokens are held back until a sentence ends, the text so far is checked, and only then is
the sentence sent, so the reply still streams, sentence by sentence. A sentence that gives the answer away
stops the reply there: it is dropped (and a fresh draft is asked for when nothing was sent yet).
"""

from __future__ import annotations

import logging
import math
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import networkx as nx

from llm.agents.diagnostician import Attempt, diagnose
from llm.agents.planner import concept_path_plan, remediation_plan
from llm.agents.schema import ConceptBelief, Diagnosis, ItemView, Plan
from llm.agents.tutor import template_drafts, tutor_messages
from llm.backends.generative import BackendError, GenerativeBackend, generative_backend
from llm.guard import answer_guard_check

logger = logging.getLogger(__name__)
ASKS_FOR_ANSWER = re.compile(r"\b(answer|solution|solve it|tell me|give me|just say|what is it)\b", re.I)
SAFE_FALLBACK_REPLY = "Let's keep working on it together. What have you tried so far, and where did you get stuck?"
SENTENCE_END = re.compile(r"(?<=[.!?])\s+|\n+")
TELLING_BUDGET = 4  # intervening turns per session before the tutor insists on an attempt first
# What one hint is worth, in logits of P(success): a hint takes the student about one step further.
HINT_LOGIT_GAIN = 1.0


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
    last_attempt: Attempt | None = None
    dialogue: tuple[tuple[str, str], ...] = ()  # this item's earlier chat, oldest first: ("student" | "tutor", text)
    concepts: tuple[int, ...] = ()  # the item's concept ids
    concept_names: tuple[str, ...] = ()
    beliefs: Mapping[int, ConceptBelief] = field(default_factory=dict)  # the learner model's view, by concept id
    graph: nx.DiGraph | None = None  # the course's prerequisite graph (nodes carry "name")
    goals: tuple[int, ...] = ()  # concepts the session works towards
    topic: str = ""
    tells_used: int = 0  # intervening turns already spent in this session


@dataclass
class TutorTurn:
    """A streamed reply. Iterate ``chunks()``; afterwards ``text``, ``trace`` and ``hints_shown`` hold the turn."""

    request: TutorRequest
    diagnosis: Diagnosis
    plan: Plan
    backend: str
    generator: GenerativeBackend | None
    decision_models: object | None
    text: str = ""
    trace: dict[str, Any] = field(default_factory=dict)

    @property
    def hints_shown(self) -> int:
        """Hints on screen after this turn: a hint the tutor gave counts as shown."""
        given = self.plan.hint_index + 1 if self.plan.hint_index is not None and self.plan.intervene else 0
        return max(self.request.hints_shown, given)

    def chunks(self) -> Iterator[str]:
        started = time.perf_counter()
        request, plan = self.request, self.plan
        view = ItemView(prompt=request.item_prompt, hints=request.hints[: self.hints_shown],
                        solution=request.solution if plan.may_reveal else "", concepts=request.concept_names,
                        more_hints=self.hints_shown < len(request.hints))
        shown = "\n".join([request.item_prompt, *view.hints])
        earlier = tuple(text for role, text in request.dialogue if role == "tutor")
        guard = {"result": "passed", "reason": "", "drafts": 0}

        def check(text: str):
            if plan.may_reveal:
                return None
            verdict = answer_guard_check(text, answer_key=request.answer_key, answer_kind=request.answer_kind,
                                         shown=shown, solution=request.solution, earlier_replies=earlier)
            return verdict if verdict.revealed else None

        backend_error = ""
        if self.generator is not None:
            try:
                yield from self._generated(view, check, guard)
            except BackendError as error:
                backend_error = str(error)
        if self.generator is None or (backend_error and not self.text):
            yield from self._templated(view, check, guard)
        self.trace = {
            "backend": self.backend if not backend_error else f"{self.backend} (failed; template used)",
            "diagnosis": {
                "error_type": self.diagnosis.error_type,
                "error_scores": _top(self.diagnosis.error_scores),
                "misconception": self.diagnosis.misconception,
                "weak_concepts": [{"name": weak.belief.name, "mastery": round(weak.belief.mastery, 3),
                                   "evidence": weak.evidence, "path": list(weak.path)}
                                  for weak in self.diagnosis.weak_concepts],
            },
            "plan": {
                "strategy": plan.strategy, "intention": plan.intention, "intervene": plan.intervene,
                "reason": plan.reason, "concept_path": list(plan.concept_path), "hint_index": plan.hint_index,
                "may_reveal": plan.may_reveal,
                "expected_gain": {key: round(value, 3) for key, value in plan.expected_gain.items()},
            },
            "guard": guard["result"],
            "guard_reason": guard["reason"],
            "drafts": guard["drafts"],
            "latency_ms": round((time.perf_counter() - started) * 1000, 2),
        }
        if backend_error:
            self.trace["backend_error"] = backend_error

    def _templated(self, view: ItemView, check, guard: dict) -> Iterator[str]:
        """Template drafts, ranked by the critic when one is trained; the first one the guard passes is sent."""
        drafts = template_drafts(view=view, diagnosis=self.diagnosis, plan=self.plan, turn=self.request.turn,
                                 asks_answer=bool(ASKS_FOR_ANSWER.search(self.request.student_text)))
        if self.decision_models is not None and len(drafts) > 1:
            from llm.decision_models import reply_rank

            drafts = [drafts[i] for i in reply_rank(self.decision_models, dialogue=self._dialogue(),
                                                     replies=drafts)]
        reply = SAFE_FALLBACK_REPLY
        for draft in drafts:
            guard["drafts"] += 1
            verdict = check(draft)
            if verdict is None:
                reply = draft
                break
            guard.update(result="blocked", reason=verdict.reason)
        for chunk in re.findall(r"\S+\s*", reply):
            self.text += chunk
            yield chunk

    def _generated(self, view: ItemView, check, guard: dict) -> Iterator[str]:
        """Tokens from the model, released a sentence at a time once the guard has read the text so far."""
        messages = tutor_messages(view=view, diagnosis=self.diagnosis, plan=self.plan,
                                  student_text=self.request.student_text, dialogue=self.request.dialogue)
        for _ in range(2):  # a draft revealing the answer in its first sentence gets one fresh try
            guard["drafts"] += 1
            pending = ""
            tokens = self.generator.stream(messages, max_new_tokens=160, temperature=0.7)
            for token in tokens:
                pending += token
                parts = SENTENCE_END.split(pending)
                if len(parts) == 1:
                    continue
                ready = pending[: len(pending) - len(parts[-1])]
                verdict = check(self.text + ready)
                if verdict is not None:
                    guard.update(result="redacted" if self.text else "blocked", reason=verdict.reason)
                    getattr(tokens, "close", lambda: None)()  # frees the request's place in the batch
                    break
                self.text += ready
                yield ready
                pending = parts[-1]
            else:
                if pending.strip():
                    verdict = check(self.text + pending)
                    if verdict is None:
                        self.text += pending
                        yield pending
                    else:
                        guard.update(result="redacted" if self.text else "blocked", reason=verdict.reason)
            if self.text:
                return
        self.text = SAFE_FALLBACK_REPLY
        yield SAFE_FALLBACK_REPLY

    def _dialogue(self) -> list[tuple[str, str]]:
        return [*self.request.dialogue, ("student", self.request.student_text)]


def tutor_turn(request: TutorRequest, *, backend: str, backend_options: Mapping[str, str] | None = None,
               decision_models: object | None = None) -> TutorTurn:
    """Diagnose and plan now; the Tutor writes (and the guard reads) as ``chunks()`` is iterated."""
    diagnosis = diagnose(
        student_text=request.student_text, dialogue=request.dialogue, attempt=request.last_attempt,
        answer_key=request.answer_key, item_concepts=request.concepts, beliefs=request.beliefs, graph=request.graph,
        topic=request.topic, decision_models=decision_models,
    )
    item_beliefs = [request.beliefs[c] for c in request.concepts if c in request.beliefs]
    success_now = min((belief.mastery for belief in item_beliefs), default=0.5)
    path = []
    if request.graph is not None:
        path = concept_path_plan(graph=request.graph, beliefs=request.beliefs, goals=request.goals or request.concepts)
    plan = remediation_plan(
        diagnosis=diagnosis, concept_path=[request.graph.nodes[c].get("name", str(c)) for c in path],
        attempts=request.attempts, hints_shown=request.hints_shown, n_hints=len(request.hints),
        telling_budget_left=max(0, TELLING_BUDGET - request.tells_used), solved=request.solved,
        telling=request.telling, student_asks_answer=bool(ASKS_FOR_ANSWER.search(request.student_text)),
        success_now=success_now, success_after_hint=_success_after_hint(success_now),
    )
    generator = None if backend == "template" else _generative(backend, tuple(sorted((backend_options or {}).items())))
    return TutorTurn(request=request, diagnosis=diagnosis, plan=plan, backend=backend, generator=generator,
                     decision_models=decision_models)


@lru_cache(maxsize=4)
def _generative(name: str, options: tuple[tuple[str, str], ...]) -> GenerativeBackend:
    """One backend per configuration and process: a local model is loaded once and shared by every session."""
    return generative_backend(name=name, options=dict(options))


def decision_models_current(*, root: Path) -> object | None:
    """The newest trained decision models under ``root`` (what its LATEST names), loaded once per version and
    process; None when none are trained, and the tutor then decides by rules."""
    try:
        version = (root / "LATEST").read_text().strip()
    except OSError:
        return None
    return _decision_models_load(root, version)


@lru_cache(maxsize=2)
def _decision_models_load(root: Path, version: str) -> object | None:
    from llm.decision_models import DecisionModelsOutdated, decision_models_load

    try:
        return decision_models_load(root=root, version=version)
    except DecisionModelsOutdated as error:
        logger.warning("%s; the tutor decides by rules until then", error)
        return None


def _success_after_hint(success_now: float) -> float:
    """P(success | hint) = sigmoid(logit(P(success | wait)) + HINT_LOGIT_GAIN)."""
    p = min(max(success_now, 1e-4), 1 - 1e-4)
    return 1.0 / (1.0 + math.exp(-(math.log(p / (1 - p)) + HINT_LOGIT_GAIN)))


def _top(scores: Mapping[str, float], n: int = 3) -> dict[str, float]:
    return {label: round(score, 3) for label, score in sorted(scores.items(), key=lambda kv: -kv[1])[:n]}
