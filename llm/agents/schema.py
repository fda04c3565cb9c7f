"""What the agents hand each other. The label sets they speak in are ``llm.labels``."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class ConceptBelief:
    """The learner model's belief about one concept, as the agents read it."""

    concept_id: int
    name: str
    mastery: float  # P(correct) on a typical item of the concept now
    uncertainty: float  # width of the 90 % interval of that probability
    difficulty: float  # typical item difficulty of the concept (logit scale)
    answers: int  # how many answers the learner has given on it


@dataclass(frozen=True)
class WeakConcept:
    belief: ConceptBelief
    evidence: str  # why it is suspected, in words a teacher can read
    path: tuple[str, ...]  # prerequisite path from it to the item's concept, by name


@dataclass(frozen=True)
class Diagnosis:
    error_type: str  # one of ERROR_TYPES
    error_scores: dict[str, float]  # P(error type), from the decision model (or rules when none is loaded)
    misconception: str  # the suspected slip or misconception, in words
    weak_concepts: tuple[WeakConcept, ...]  # most suspect first
    strategy_scores: dict[str, float] = field(default_factory=dict)  # the decision model's view, for the Planner
    intention_scores: dict[str, float] = field(default_factory=dict)
    mistake: str = ""  # the course's feedback on the common wrong answer the attempt matched (never the answer)


@dataclass(frozen=True)
class Plan:
    strategy: str  # one of STRATEGIES
    intention: str  # one of INTENTIONS
    intervene: bool  # False: let the student try first
    reason: str  # why, in words, for the teacher's trace
    concept_path: tuple[str, ...]  # concepts to work through, in order, ending at the goal
    hint_index: int | None  # the item hint to ground this turn in, if any
    may_reveal: bool  # whether this turn may state the answer (after solving, or when the teacher allows it)
    expected_gain: dict[str, float] = field(default_factory=dict)  # {"hint": ..., "wait": ...}


@dataclass(frozen=True)
class ItemView:
    """What the Tutor agent may read of the item. Never the answer key; the worked solution only on a turn
    whose plan may reveal it. So no prompt can carry the key, whatever a backend does with it."""

    prompt: str
    hints: tuple[str, ...]  # the hints the student has seen, plus the one this turn's plan releases
    solution: str  # "" unless the plan may reveal
    concepts: tuple[str, ...]  # the item's concepts, by name
    more_hints: bool = True  # whether the item has hints the student has not seen yet
