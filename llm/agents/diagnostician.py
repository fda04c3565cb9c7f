"""The Diagnostician: what went wrong in this attempt, and which concepts are behind it.

Error type. A right attempt is "no-error"; a message about something else entirely is "off-task".
Otherwise the remediation decision model (trained on Bridge) reads the recent dialogue and gives
P(error type); without a trained model, rules read the attempt: a near miss is "imprecise" or
"right-idea", a slip the answer checker named is "careless", a far-off answer is "guess", and no attempt yet
is "diagnose". An answer that matched one of the item's common wrong answers is strong evidence: the error type
its author declared gets DECLARED_WEIGHT of the probability, whichever of the two gave the rest.

Weak concepts. Every concept of the item and every prerequisite of them (ancestors in the course graph)
is a suspect; its suspicion is how far its mastery falls short of the target, discounted by its distance
from the item, gently, so that a prerequisite far below the target (a likely root cause) is named before an
item concept just short of it:

    suspicion(c) = max(0, target - mastery_c) * DISTANCE_DISCOUNT ** distance(c, item)

Suspects with no shortfall are left out; ties go to the more uncertain belief. The concept a matched common
wrong answer points to comes first, whatever its mastery: the author named it as the cause of that mistake.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import networkx as nx

from llm.agents.schema import ConceptBelief, Diagnosis, WeakConcept
from llm.labels import BRIDGE_ERROR_TYPES

MASTERY_TARGET = 0.8
MAX_WEAK_CONCEPTS = 3
DISTANCE_DISCOUNT = 0.8
DECLARED_WEIGHT = 0.8  # share of P(error type) given to the error type a matched common wrong answer declares
# Plain words of a message that is about something other than the problem.
OFF_TASK = re.compile(
    r"\b(game|games|football|soccer|tiktok|youtube|movie|netflix|bored|lunch|weekend|party|minecraft|fortnite)\b", re.I
)
ON_TASK = re.compile(
    r"\d|\b(hint|help|stuck|answer|solve|solution|step|why|how|what|explain|understand|question|number|fraction"
    r"|equation|add|subtract|multiply|divide|times|plus|minus)\b", re.I,
)
NUMBER = re.compile(r"-?\d+(?:\.\d+)?(?:/\d+)?")
# The answer checker's feedback names these slips (sign, place value, an inverted fraction).
SLIP = re.compile(r"sign|place value|upside down", re.I)


@dataclass(frozen=True)
class Attempt:
    """The student's latest answer to the item, as the answer checker saw it."""

    answer: str
    correct: bool
    feedback: str = ""  # what the checker told the student (it may name a likely slip, or a known mistake)
    # Declared by the course when the answer matched one of the item's common wrong answers:
    mistake: bool = False  # the answer matched one; ``feedback`` is then the author's words about it
    error_type: str = ""  # the Bridge error type declared for it, or ""
    concept_id: int | None = None  # the concept it points to, if declared


def diagnose(*, student_text: str, dialogue: Sequence[tuple[str, str]], attempt: Attempt | None, answer_key: str,
             item_concepts: Sequence[int], beliefs: Mapping[int, ConceptBelief], graph: nx.DiGraph | None,
             topic: str = "", decision_models: object | None = None) -> Diagnosis:
    """Error type with its scores, the suspected misconception in words, and the weak concepts ranked."""
    weak = weak_concepts_rank(item_concepts=item_concepts, beliefs=beliefs, graph=graph,
                              pointed=attempt.concept_id if attempt is not None and not attempt.correct else None)
    strategy_scores: dict[str, float] = {}
    intention_scores: dict[str, float] = {}
    if attempt is not None and attempt.correct:
        error_type, scores, misconception = "no-error", {"no-error": 1.0}, "The latest attempt is right."
    elif OFF_TASK.search(student_text) and not ON_TASK.search(student_text):
        error_type, scores, misconception = "off-task", {"off-task": 1.0}, "The message is not about the problem."
    else:
        if decision_models is not None:
            from llm.decision_models import remediation_predict

            turns = [*dialogue, ("student", attempt.answer if attempt else student_text)]
            predicted = remediation_predict(decision_models, dialogue=turns, topic=topic)
            scores = {label: predicted.error.get(label, 0.0) for label in BRIDGE_ERROR_TYPES}
            strategy_scores, intention_scores = dict(predicted.strategy), dict(predicted.intention)
        else:
            scores = _error_rules(attempt=attempt, answer_key=answer_key)
        if attempt is not None and attempt.error_type in scores:
            scores = {label: (1 - DECLARED_WEIGHT) * score + DECLARED_WEIGHT * (label == attempt.error_type)
                      for label, score in scores.items()}
        error_type = max(scores, key=lambda label: (scores[label], label))
        misconception = _misconception(error_type=error_type, attempt=attempt, weak=weak)
    mistake = attempt.feedback if attempt is not None and attempt.mistake and not attempt.correct else ""
    return Diagnosis(error_type=error_type, error_scores=scores, misconception=misconception, weak_concepts=weak,
                     strategy_scores=strategy_scores, intention_scores=intention_scores, mistake=mistake)


def weak_concepts_rank(*, item_concepts: Sequence[int], beliefs: Mapping[int, ConceptBelief],
                       graph: nx.DiGraph | None, target: float = MASTERY_TARGET,
                       pointed: int | None = None) -> tuple[WeakConcept, ...]:
    """The item's concepts and their prerequisites, most suspect first, after ``pointed``, the concept a matched
    common wrong answer points to (see the module docstring)."""
    distance: dict[int, int] = {}
    via: dict[int, int] = {}
    for concept in item_concepts:
        reach = {concept: 0}
        if graph is not None and concept in graph:
            reach = nx.single_source_shortest_path_length(graph.reverse(copy=False), concept)
        for suspect, steps in reach.items():
            if steps < distance.get(suspect, math.inf):
                distance[suspect], via[suspect] = steps, concept
    ranked = []
    if pointed is not None and pointed in beliefs:
        ranked.append((-math.inf, 0.0, pointed, beliefs[pointed], distance.get(pointed)))
    for suspect, steps in distance.items():
        belief = beliefs.get(suspect)
        if belief is None or belief.mastery >= target or suspect == pointed:
            continue
        suspicion = (target - belief.mastery) * DISTANCE_DISCOUNT**steps
        ranked.append((-suspicion, -belief.uncertainty, suspect, belief, steps))
    ranked.sort()
    weak = []
    for _, _, suspect, belief, steps in ranked[:MAX_WEAK_CONCEPTS]:
        path = [suspect]
        if graph is not None and steps is not None and suspect != via[suspect]:
            path = nx.shortest_path(graph, suspect, via[suspect])
        names = tuple(graph.nodes[c].get("name", str(c)) if graph is not None and c in graph else belief.name
                      for c in path)
        low, high = max(0.0, belief.mastery - belief.uncertainty / 2), min(1.0, belief.mastery + belief.uncertainty / 2)
        if steps is None:
            where = "not linked to the question in the graph"
        elif steps == 0:
            where = "the question's own concept"
        else:
            where = f"a prerequisite {steps} step{'s' * (steps > 1)} back"
        if suspect == pointed:
            where += "; the answer given is a known mistake that points here"
        evidence = (f"{belief.name}: mastery {belief.mastery:.0%} (90 % band {low:.0%}–{high:.0%}) after "
                    f"{belief.answers} answer{'s' * (belief.answers != 1)}; {where}")
        weak.append(WeakConcept(belief=belief, evidence=evidence, path=names))
    return tuple(weak)


def _error_rules(*, attempt: Attempt | None, answer_key: str) -> dict[str, float]:
    """P(error type) from the attempt alone, for when no decision model is trained."""
    scores = dict.fromkeys(BRIDGE_ERROR_TYPES, 0.02)
    if attempt is None:
        scores["diagnose"] = 0.9
    elif SLIP.search(attempt.feedback) and not attempt.mistake:
        scores["careless"] = 0.8
    else:
        given, key = _number(attempt.answer), _number(answer_key)
        if given is None or key is None:
            scores["misinterpret" if given is None else "diagnose"] = 0.6
        elif key != 0 and abs(given - key) / abs(key) < 0.02:
            scores["imprecise"] = 0.7
        elif key != 0 and abs(given - key) / abs(key) < 0.25:
            scores["right-idea"] = 0.6
        else:
            scores["guess"] = 0.6
    total = sum(scores.values())
    return {label: score / total for label, score in scores.items()}


def _number(text: str) -> float | None:
    match = NUMBER.search(text.replace(",", ""))
    if match is None:
        return None
    numerator, _, denominator = match.group(0).partition("/")
    return float(numerator) / float(denominator) if denominator and float(denominator) else float(numerator)


def _misconception(*, error_type: str, attempt: Attempt | None, weak: Sequence[WeakConcept]) -> str:
    gap = f" The weakest related concept is {weak[0].belief.name}." if weak else ""
    if attempt is not None and attempt.mistake:
        return f"A known mistake: {attempt.feedback}{gap}"
    if attempt is not None and SLIP.search(attempt.feedback):
        slip = attempt.feedback.removeprefix("Not quite: ").rstrip(".")
        return f"A likely slip: {slip}.{gap}"
    descriptions = {
        "guess": "The answer looks like a guess: the method is probably not clear yet.",
        "misinterpret": "The question itself may have been misread.",
        "careless": "The method looks right but a step slipped.",
        "right-idea": "The idea is right but the answer is not there yet.",
        "imprecise": "The answer is close but not precise or not in the expected form.",
        "diagnose": "It is not clear yet what the student is thinking.",
    }
    return descriptions.get(error_type, "") + gap
