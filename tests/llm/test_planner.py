"""The Planner covers the weak concepts toward the goals, prerequisites first, and steps in only when it pays."""

import networkx as nx
import pytest

from llm.agents.planner import (
    EXERCISE_MARGIN,
    PREREQUISITE_TARGET,
    TELLING_STRATEGIES,
    concept_path_plan,
    remediation_plan,
)
from llm.agents.schema import ConceptBelief, Diagnosis
from llm.labels import INTENTIONS, STRATEGIES

TARGET = 0.8


def _belief(concept_id: int, mastery: float, *, uncertainty: float = 0.2, difficulty: float = 0.0) -> ConceptBelief:
    return ConceptBelief(concept_id=concept_id, name=f"c{concept_id}", mastery=mastery, uncertainty=uncertainty,
                         difficulty=difficulty, answers=3)


def _course() -> nx.DiGraph:
    """0 -> 2 -> 4 -> 6 (goal), 1 -> 2, 3 -> 4, 5 -> 6, and 7 -> 8 off the goal's ancestry."""
    return nx.DiGraph([(0, 2), (1, 2), (2, 4), (3, 4), (4, 6), (5, 6), (7, 8)])


def test_plan_covers_every_weak_concept_and_puts_prerequisites_first():
    graph = _course()
    mastery = {0: 0.3, 1: 0.75, 2: 0.4, 3: 0.2, 4: 0.7, 5: 0.1, 6: 0.2, 7: 0.1, 8: 0.1}
    plan = concept_path_plan(graph=graph, beliefs={k: _belief(k, m) for k, m in mastery.items()}, goals=[6])
    target = {c: TARGET if c == 6 else PREREQUISITE_TARGET for c in graph}
    weak = {c for c in nx.ancestors(graph, 6) | {6} if mastery[c] < target[c]}
    covered = set(plan) | {p for c in plan for p in graph.predecessors(c)
                           if p in weak and mastery[p] >= target[p] - EXERCISE_MARGIN}
    assert weak <= covered
    assert {c for c in weak if mastery[c] < target[c] - EXERCISE_MARGIN} <= set(plan)
    position = {c: i for i, c in enumerate(plan)}
    assert all(position[u] < position[v] for u in plan for v in plan if u != v and nx.has_path(graph, u, v))
    assert plan[-1] == 6


def test_mastered_concept_and_concepts_off_the_goal_are_not_planned():
    graph = _course()
    mastery = {0: 0.3, 1: 0.2, 2: 0.95, 3: 0.2, 4: 0.3, 5: 0.9, 6: 0.2, 7: 0.1, 8: 0.1}
    plan = concept_path_plan(graph=graph, beliefs={k: _belief(k, m) for k, m in mastery.items()}, goals=[6])
    assert 2 not in plan and 5 not in plan
    assert 7 not in plan and 8 not in plan
    assert {0, 1, 3, 4, 6} <= set(plan)


def test_prerequisites_need_to_carry_the_goal_not_to_be_mastered():
    """A prerequisite three answers in four right is solid enough to build on; a goal that good still needs work."""
    graph = _course()
    beliefs = {k: _belief(k, 0.75) for k in graph}
    assert PREREQUISITE_TARGET < 0.75 < TARGET
    assert concept_path_plan(graph=graph, beliefs=beliefs, goals=[6]) == [6]
    assert concept_path_plan(graph=graph, beliefs=beliefs, goals=[4]) == [4]


def test_nothing_is_planned_when_the_goal_and_its_prerequisites_are_mastered():
    graph = _course()
    beliefs = {k: _belief(k, 0.9) for k in graph}
    assert concept_path_plan(graph=graph, beliefs=beliefs, goals=[6]) == []


def test_cost_prefers_the_cheaper_cover():
    """p (nearly mastered) -> x (nearly mastered) -> g (weak goal): practising x also exercises p, and so does
    practising p alone; which of the two is planned depends on which is cheaper."""
    graph = nx.DiGraph([(0, 1), (1, 2)])  # p = 0, x = 1, g = 2
    goal = _belief(2, 0.2, uncertainty=0.1)
    near = PREREQUISITE_TARGET - EXERCISE_MARGIN / 2
    cheap_x = {0: _belief(0, near, uncertainty=0.1), 1: _belief(1, near, uncertainty=0.1, difficulty=-2), 2: goal}
    dear_x = {0: _belief(0, near, uncertainty=0.1, difficulty=-2), 1: _belief(1, near, uncertainty=1.0, difficulty=3),
              2: goal}
    assert concept_path_plan(graph=graph, beliefs=cheap_x, goals=[2]) == [1, 2]
    assert concept_path_plan(graph=graph, beliefs=dear_x, goals=[2]) == [0, 2]


def _diagnosis(error_type: str, **scores) -> Diagnosis:
    return Diagnosis(error_type=error_type, error_scores={error_type: 1.0}, misconception="", weak_concepts=(),
                     **scores)


def _turn(**overrides):
    fields = dict(diagnosis=_diagnosis("guess"), attempts=1, hints_shown=0, n_hints=3, telling_budget_left=3,
                  solved=False, telling="hints", student_asks_answer=False, success_now=0.2, success_after_hint=0.8)
    return remediation_plan(**{**fields, **overrides})


@pytest.mark.parametrize("error_type", ["guess", "careless", "misinterpret", "right-idea", "imprecise", "diagnose"])
def test_no_telling_before_the_first_attempt_even_when_asked(error_type):
    plan = _turn(diagnosis=_diagnosis(error_type), attempts=0, student_asks_answer=True, telling="solution",
                 success_now=0.0, success_after_hint=1.0)
    assert not plan.intervene and plan.strategy not in TELLING_STRATEGIES
    assert plan.hint_index is None and not plan.may_reveal


def test_telling_budget_is_respected():
    spent = _turn(attempts=2, telling_budget_left=0)
    assert not spent.intervene and spent.strategy not in TELLING_STRATEGIES and spent.hint_index is None
    left = _turn(attempts=2, telling_budget_left=1)
    assert left.intervene and left.strategy in TELLING_STRATEGIES


def test_intervenes_only_when_the_hint_is_worth_more_than_the_own_try():
    worth_it = _turn(success_now=0.2, success_after_hint=0.8)
    assert worth_it.intervene and worth_it.hint_index == 0
    assert worth_it.expected_gain["hint"] > worth_it.expected_gain["wait"]
    not_worth_it = _turn(success_now=0.6, success_after_hint=0.7)
    assert not not_worth_it.intervene and not_worth_it.hint_index is None
    assert not_worth_it.expected_gain["hint"] < not_worth_it.expected_gain["wait"]
    assert "60%" in not_worth_it.reason and "70%" in not_worth_it.reason


@pytest.mark.parametrize(("telling", "attempts", "solved", "may_reveal"), [
    ("hints", 5, False, False),
    ("solution", 1, False, False),
    ("solution", 2, False, True),
    ("hints", 1, True, True),
])
def test_may_reveal_follows_the_teachers_setting(telling, attempts, solved, may_reveal):
    assert _turn(telling=telling, attempts=attempts, solved=solved).may_reveal is may_reveal


def test_careless_slip_is_pointed_at_while_a_guess_gets_a_way_in():
    careless = _turn(diagnosis=_diagnosis("careless"))
    guess = _turn(diagnosis=_diagnosis("guess"))
    assert careless.intervene and guess.intervene
    assert (careless.strategy, careless.intention) == ("provide_hint", "hint_mistake")
    assert (guess.strategy, guess.intention) == ("provide_strategy", "support_thinking")
    careless_wait = _turn(diagnosis=_diagnosis("careless"), success_now=0.7, success_after_hint=0.75)
    guess_wait = _turn(diagnosis=_diagnosis("guess"), success_now=0.7, success_after_hint=0.75)
    assert careless_wait.intention == "hint_mistake" and guess_wait.intention == "diagnose_mistake"


def test_decision_model_scores_only_pick_moves_the_tutor_can_make():
    scores = {s: 0.0 for s in STRATEGIES} | {"provide_correction": 0.9, "provide_hint": 0.5, "provide_strategy": 0.4}
    diagnosis = _diagnosis("careless", strategy_scores=scores,
                           intention_scores={i: 0.0 for i in INTENTIONS} | {"correct_mistake": 0.9})
    hints_only = _turn(diagnosis=diagnosis)
    assert hints_only.strategy == "provide_hint" and hints_only.intention == "correct_mistake"
    no_hints_left = _turn(diagnosis=diagnosis, hints_shown=3)
    assert no_hints_left.strategy not in TELLING_STRATEGIES
    solution_allowed = _turn(diagnosis=diagnosis, telling="solution", attempts=2)
    assert solution_allowed.strategy == "provide_correction"
