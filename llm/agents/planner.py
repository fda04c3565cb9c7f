r"""The Planner: which concepts to work through, and how the tutor should act on this turn.

Two pure functions over the shared dataclasses in ``schema``:

- ``concept_path_plan`` covers the learner's weak concepts on the way to the goal concepts by a greedy
  weighted set cover over the course graph and returns the chosen concepts, prerequisites first: the tutor's
  turn shows it, and the practice policy (``llm.policy``) practises its first concept next;
- ``remediation_plan`` picks the Bridge strategy and intention for the turn and decides whether to step in
  now or let the student try first, from the expected benefit of telling against a per-session budget.
"""

from __future__ import annotations

import heapq
import math
from collections.abc import Collection, Mapping, Sequence

import networkx as nx

from llm.agents.schema import ConceptBelief, Diagnosis, Plan
from llm.labels import INTENTIONS, STRATEGIES

# Cost of practising a concept: cost(c) = (1 - m_c) + UNCERTAINTY_WEIGHT u_c + DIFFICULTY_WEIGHT sigmoid(b_c).
UNCERTAINTY_WEIGHT = 0.5
DIFFICULTY_WEIGHT = 0.5
# Mastery the goals must reach; the practice policy (``llm.policy``) counts a concept as learned at the same level.
MASTERY_TARGET = 0.8
# A prerequisite is something to build on, not a goal: it needs to be solid enough that practice on the concepts
# above it pays (about three answers in five right), not mastered to the goals' target. Holding every ancestor to
# the goals' target spends a third more items before the goals are mastered (llm.evaluate's planning section).
PREREQUISITE_TARGET = 0.6
# A weak concept within this much of its target gets enough exercise from the items of a concept built on it;
# one further below needs practice of its own.
EXERCISE_MARGIN = 0.15
# What an unseen concept is believed to be: a coin flip, with the widest possible interval.
UNKNOWN_BELIEF = dict(mastery=0.5, uncertainty=1.0, difficulty=0.0, answers=0)

# Learning value of the student's own attempt that a telling move takes away (in units of P(success)).
TELLING_COST = 0.15
# Moves that give the student content (each spends one unit of the session's telling budget), and the rest.
TELLING_STRATEGIES = frozenset(
    {"provide_hint", "provide_strategy", "provide_correction", "provide_example", "explain_concept"})
# Intentions that only make sense when the tutor tells something.
TELLING_INTENTIONS = frozenset({"correct_mistake", "explain_mistake", "elaborate_answer"})
# Per error type, the (strategy, intention) pairs to try in order when the decision model gave no scores:
# first when the tutor steps in, then when it lets the student try.
RULES_TELL: dict[str, tuple[tuple[str, str], ...]] = {
    # A guess shows no method: give a way in, not the next step.
    "guess": (("provide_strategy", "support_thinking"), ("provide_hint", "support_thinking")),
    "misinterpret": (("provide_hint", "clarify_misunderstanding"), ("explain_concept", "clarify_misunderstanding")),
    # A slip by someone who knows the method: point at it, or correct it once the answer may be shown.
    "careless": (("provide_hint", "hint_mistake"), ("provide_correction", "correct_mistake")),
    "right-idea": (("provide_hint", "support_thinking"), ("provide_strategy", "support_thinking")),
    "imprecise": (("provide_correction", "correct_mistake"), ("provide_hint", "elaborate_answer")),
    "diagnose": (("provide_hint", "diagnose_mistake"), ("provide_strategy", "diagnose_mistake")),
    "no-error": (("provide_hint", "support_thinking"),),
}
RULES_WAIT: dict[str, tuple[tuple[str, str], ...]] = {
    "guess": (("ask_question", "diagnose_mistake"),),
    "misinterpret": (("simplify_question", "clarify_misunderstanding"),),
    "careless": (("ask_question", "hint_mistake"),),
    "right-idea": (("encourage_student", "support_thinking"),),
    "imprecise": (("ask_question", "hint_mistake"),),
    "diagnose": (("ask_question", "diagnose_mistake"),),
    "no-error": (("encourage_student", "motivate_student"),),
    "off-task": (("encourage_student", "signal_goal"),),
}
FALLBACK_TELL = ("provide_hint", "support_thinking")
FALLBACK_WAIT = ("ask_question", "support_thinking")


def concept_cost(belief: ConceptBelief, *, target: float) -> float:
    """cost(c) = (t_c - m_c) + lambda u_c + mu sigmoid(b_c): what practising c up to its target t_c is expected to take.

    m_c mastery, u_c the width of its 90 % interval, b_c the typical item difficulty (logit scale);
    lambda = UNCERTAINTY_WEIGHT, mu = DIFFICULTY_WEIGHT. Bounded: 0 <= cost(c) <= 1 + lambda + mu for a weak c.
    """
    return ((target - belief.mastery) + UNCERTAINTY_WEIGHT * belief.uncertainty
            + DIFFICULTY_WEIGHT / (1.0 + math.exp(-belief.difficulty)))


def concept_path_plan(*, graph: nx.DiGraph, beliefs: Mapping[int, ConceptBelief], goals: Collection[int],
                      mastery_target: float = MASTERY_TARGET,
                      prerequisite_target: float = PREREQUISITE_TARGET) -> list[int]:
    r"""The concepts to practise, prerequisites first, so that every weak concept toward the goals is covered.

    Edges of ``graph`` point from prerequisite to concept. Let R be the goals and all their ancestors, m_c the
    believed mastery (a concept without a belief counts as UNKNOWN_BELIEF: mastery 0.5), t_c the target of c
    (``mastery_target`` for a goal, ``prerequisite_target`` for the ancestors, which only need to carry what is
    built on them), and the weak concepts

        W = {c in R : m_c < t_c}.

    Candidate sets, one per weak concept c: practising c exercises c itself and the weak direct prerequisites
    that are nearly at their target, so

        S_c = {c} u {p in pred(c) n W : m_p >= t_p - EXERCISE_MARGIN},   cost(S_c) = cost(c)

    with cost(c) = (t_c - m_c) + lambda u_c + mu sigmoid(b_c) (``concept_cost``). A prerequisite further below
    its target is covered only by its own set: practising on top of it would teach little.

    Greedy weighted set cover: with U the uncovered weak concepts, repeatedly choose the c that minimises
    cost(S_c) / |S_c n U| (ties: smaller id) until U is empty. Its total cost is at most H(max_c |S_c|) <=
    1 + ln|W| times the cheapest cover's (Chvatal 1979). The chosen concepts are returned prerequisites first:
    by depth (the longest prerequisite chain above the concept), then by id.
    Mastered concepts are never returned; [] when nothing toward the goals is weak.
    """
    goals_known = [g for g in goals if g in graph]
    region = set(goals_known).union(*(nx.ancestors(graph, g) for g in goals_known))

    def belief_of(c: int) -> ConceptBelief:
        return beliefs.get(c) or ConceptBelief(concept_id=c, name=str(c), **UNKNOWN_BELIEF)

    target = {c: mastery_target if c in goals_known else prerequisite_target for c in region}
    mastery = {c: belief_of(c).mastery for c in region}
    weak = {c for c in region if mastery[c] < target[c]}
    covers = {
        c: {c} | {p for p in graph.predecessors(c) if p in weak and mastery[p] >= target[p] - EXERCISE_MARGIN}
        for c in weak
    }
    cost = {c: concept_cost(belief_of(c), target=target[c]) for c in weak}
    uncovered = set(weak)
    chosen: set[int] = set()
    # Lazy greedy: a set's price only rises as others cover its concepts, so a popped price that is still
    # current is the least; the heap's (price, id) order breaks ties by id, as the eager loop would.
    heap = [(cost[c] / len(covers[c]), c) for c in weak]
    heapq.heapify(heap)
    while uncovered:
        price, c = heapq.heappop(heap)
        fresh = covers[c] & uncovered
        if not fresh:
            continue
        current = cost[c] / len(fresh)
        if current > price:
            heapq.heappush(heap, (current, c))
            continue
        chosen.add(c)
        uncovered -= fresh
    depth = _depths(graph, region)
    return sorted(chosen, key=lambda c: (depth[c], c))


def _depths(graph: nx.DiGraph, region: set[int]) -> dict[int, int]:
    """Length of the longest prerequisite chain above each concept of an ancestor-closed region (Kahn's order).

    Sorting by it is a topological order: an edge p -> c gives depth(c) > depth(p).
    """
    waiting = {c: graph.in_degree(c) for c in region}
    depth = {c: 0 for c in region}
    ready = [c for c, n in waiting.items() if n == 0]
    done = 0
    while ready:
        p = ready.pop()
        done += 1
        for c in graph.successors(p):
            if c in region:
                depth[c] = max(depth[c], depth[p] + 1)
                waiting[c] -= 1
                if waiting[c] == 0:
                    ready.append(c)
    if done < len(region):
        raise ValueError("the concept graph has a cycle among the goals' prerequisites")
    return depth


def _moves_available(*, hints_left: bool, may_reveal: bool) -> set[str]:
    """Strategies the tutor can ground in what it has: the item's next hint, its worked solution (only when the
    answer may be shown), or nothing but the conversation. No similar problem is at hand, so never that one."""
    moves = {"ask_question", "encourage_student", "simplify_question"}
    if hints_left:
        moves |= {"provide_hint", "provide_strategy"}
    if may_reveal:
        moves |= {"provide_correction", "provide_example", "explain_concept"}
    return moves


def _move_pick(*, diagnosis: Diagnosis, telling: bool, available: set[str]) -> tuple[str, str]:
    """Strategy and intention: the decision model's best among the moves allowed now, else the error type's rule."""
    allowed = {s for s in available if (s in TELLING_STRATEGIES) == telling}
    rules = (RULES_TELL if telling else RULES_WAIT).get(diagnosis.error_type, ())
    fallback = FALLBACK_TELL if telling else FALLBACK_WAIT
    rule = next(((s, i) for s, i in rules if s in allowed), fallback)
    scored = [s for s in STRATEGIES if s in allowed and s in diagnosis.strategy_scores]
    # max keeps the first of equal scores, so ties go to the earlier label in STRATEGIES.
    strategy = max(scored, key=lambda s: diagnosis.strategy_scores[s]) if scored else rule[0]
    intentions = [i for i in INTENTIONS if i in diagnosis.intention_scores
                  and (telling or i not in TELLING_INTENTIONS)]
    intention = max(intentions, key=lambda i: diagnosis.intention_scores[i]) if intentions else rule[1]
    return strategy, intention


def remediation_plan(*, diagnosis: Diagnosis, concept_path: Sequence[str] = (), attempts: int, hints_shown: int,
                     n_hints: int, telling_budget_left: int, solved: bool, telling: str, student_asks_answer: bool,
                     success_now: float, success_after_hint: float) -> Plan:
    r"""What the tutor does this turn: strategy, intention, whether to step in, and whether it may tell the answer.

    Intervention utility (a theory-of-mind reading of the student: what they would do without us):

        U(tell) = P(success | hint) - P(success | wait) - c,     c = TELLING_COST

    where P(success | wait) = ``success_now`` is the student's chance on their next try alone,
    P(success | hint) = ``success_after_hint`` the chance after the next hint, and c the learning value of
    solving it oneself that a telling move takes away. ``expected_gain`` = {"hint": P(success | hint) - c,
    "wait": P(success | wait)}, so U = hint - wait. The tutor steps in with a telling move (a hint, a strategy,
    a correction, an example or an explanation, each spending one unit of ``telling_budget_left``) iff

        attempts >= 1  and  telling_budget_left > 0  and  a telling move is available  and  the message is on task
        and  (U > 0  or  the answer may be shown and the student asks for it);

    otherwise it lets the student try, with a move that tells nothing (a question, encouragement, a simpler
    restatement). Before the first attempt it never tells; a solved item is affirmed. The answer may be shown
    (``may_reveal``) only once the item is solved, or when the teacher's setting ``telling == "solution"``
    allows it after >= 2 attempts.

    Strategy and intention come from the diagnosis: its ``strategy_scores`` / ``intention_scores`` (the
    decision model) restricted to the moves the tutor can make now (a hint needs one left, a correction,
    example or explanation needs the answer to be showable), else a rule per error type (RULES_TELL /
    RULES_WAIT). ``hint_index`` is the next unseen hint when the move uses one.
    """
    may_reveal = solved or (telling == "solution" and attempts >= 2)
    gain_hint = success_after_hint - TELLING_COST
    utility = gain_hint - success_now
    expected_gain = {"hint": gain_hint, "wait": success_now}
    hints_left = hints_shown < n_hints
    available = _moves_available(hints_left=hints_left, may_reveal=may_reveal)
    path = tuple(concept_path)
    if solved:
        intention = "elaborate_answer" if student_asks_answer else "motivate_student"
        return Plan(strategy="affirm_correct_answer", intention=intention, intervene=True,
                    reason="The item is solved: confirm it and go over the answer.", concept_path=path,
                    hint_index=None, may_reveal=True, expected_gain=expected_gain)
    wants_solution = student_asks_answer and may_reveal
    has_telling_move = bool(available & TELLING_STRATEGIES)
    intervene = (attempts >= 1 and telling_budget_left > 0 and has_telling_move
                 and diagnosis.error_type != "off-task" and (utility > 0 or wants_solution))
    strategy, intention = _move_pick(diagnosis=diagnosis, telling=intervene, available=available)
    if intervene and wants_solution and "provide_correction" in available and not diagnosis.strategy_scores:
        strategy, intention = "provide_correction", "correct_mistake"
    hint_index = hints_shown if intervene and strategy in {"provide_hint", "provide_strategy"} else None
    label = diagnosis.error_type.replace("-", " ")
    odds = (f"a hint would move the chance of success from {success_now:.0%} to {success_after_hint:.0%}, "
            f"against the {TELLING_COST:.0%} that telling costs")
    if attempts == 0:
        why = "the student has not tried yet, so the tutor tells nothing and lets them start"
    elif diagnosis.error_type == "off-task":
        why = "the message is off task, so the tutor steers back to the problem"
    elif telling_budget_left <= 0:
        why = "the session's telling budget is spent, so the student works on with questions and encouragement"
    elif not has_telling_move:
        why = "every hint is shown and the answer may not be shown yet, so the student works on"
    elif intervene and wants_solution:
        why = "the teacher allows the worked solution after two attempts and the student asks for it"
    elif intervene:
        why = f"{odds}, so the tutor steps in"
    else:
        why = f"{odds}, so the student's own try is worth more"
    move = strategy.replace("_", " ")
    reason = f"{label.capitalize()} after {attempts} attempt{'s' if attempts != 1 else ''}: {why} ({move})."
    return Plan(strategy=strategy, intention=intention, intervene=intervene, reason=reason, concept_path=path,
                hint_index=hint_index, may_reveal=may_reveal, expected_gain=expected_gain)
