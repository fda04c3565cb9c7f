"""The practice policy: the next concept and item for a student, from the learner model's beliefs alone."""

from dataclasses import dataclass, field

import networkx as nx
import pytest

from llm.policy import (
    MASTERED,
    READY,
    RECENT_ITEMS,
    ConceptOption,
    ItemOutlook,
    NothingToPractise,
    practice_next,
)


@dataclass
class Course:
    """A view of a learner over a small course: concept options, the graph, items per concept, item outlooks."""

    options: list[ConceptOption]
    items: dict[int, list[int]]
    edges: list[tuple[int, int]] = field(default_factory=list)
    outlook: dict[int, ItemOutlook] = field(default_factory=dict)

    def concept_options(self) -> list[ConceptOption]:
        return self.options

    def prerequisite_graph(self) -> nx.DiGraph:
        graph = nx.DiGraph()
        graph.add_nodes_from(o.concept_id for o in self.options)
        graph.add_edges_from(self.edges)
        return graph

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items.get(concept_id, [])

    def item_outlook(self, item_ids):
        return {item: self.outlook[item] for item in item_ids if item in self.outlook}


def _option(concept_id: int, mastery: float, *, forecast: float | None = None, answers: int = 3) -> ConceptOption:
    return ConceptOption(concept_id=concept_id, mastery=mastery, uncertainty=0.2, difficulty=0.0, answers=answers,
                         forecast=mastery if forecast is None else forecast)


def _next(course: Course, *, goals=None, recent=(), current=None, reviews=True):
    return practice_next(course, goals=goals, recent=list(recent), current=current, reviews=reviews)


def test_a_mastered_concept_forecast_to_fade_gets_a_review():
    # 1 and 2 are mastered; 2 will have dropped below mastery by tomorrow, 3 still needs work.
    course = Course(options=[_option(1, 0.95), _option(2, 0.9, forecast=MASTERED - 0.1), _option(3, 0.3)],
                    items={1: [10], 2: [20], 3: [30]})
    assert _next(course).concept_id == 2
    assert _next(course, reviews=False).concept_id == 3


def test_a_review_is_not_given_straight_after_an_item_of_the_same_concept():
    course = Course(options=[_option(2, 0.9, forecast=MASTERED - 0.1), _option(3, 0.3)],
                    items={2: [20, 21], 3: [30]})
    assert _next(course, recent=[20]).concept_id == 3
    assert _next(course, recent=[30]).concept_id == 2


def test_a_concept_never_answered_or_not_mastered_is_not_reviewed():
    course = Course(options=[_option(1, 0.9, forecast=0.5, answers=0), _option(2, MASTERED - 0.05, forecast=0.4),
                             _option(3, 0.3)], items={1: [10], 2: [20], 3: [30]})
    assert _next(course).concept_id == _next(course, reviews=False).concept_id


def test_a_prerequisite_of_the_goal_is_reviewed_when_it_fades_below_what_the_goal_needs():
    # 1 -> 3 with 3 the goal; 1 is solid enough to build on (READY) but forecast to drop below that within the week.
    # 2 is mastered and fading, but the goal does not need it.
    options = [_option(1, READY + 0.1, forecast=READY - 0.1), _option(2, 0.9, forecast=MASTERED - 0.1),
               _option(3, 0.3)]
    course = Course(options=options, items={1: [10], 2: [20], 3: [30]}, edges=[(1, 3)])
    assert _next(course, goals=[3]).concept_id == 1
    # Without a goal every concept is held to mastery: 1 is not mastered, so only 2 is reviewed.
    assert _next(course).concept_id == 2


def test_a_new_student_is_not_offered_a_concept_whose_prerequisites_are_not_ready():
    # A chain 1 -> 2 -> 3 and a new student believed at a coin flip everywhere: the root comes first.
    new = [_option(k, 0.5, answers=0) for k in (1, 2, 3)]
    course = Course(options=new, items={1: [10], 2: [20], 3: [30]}, edges=[(1, 2), (2, 3)])
    assert _next(course).concept_id == 1
    # Even when the student asks for the top concept, its weakest unready prerequisite is practised first.
    assert _next(course, goals=[3]).concept_id == 1


def test_the_goals_prerequisites_are_covered_before_the_goal():
    # 1 and 2 lead to the goal 3; 2 is weak, 1 solid enough to build on.
    options = [_option(1, READY + 0.1), _option(2, 0.2), _option(3, 0.3), _option(4, 0.1)]
    course = Course(options=options, items={1: [10], 2: [20], 3: [30], 4: [40]}, edges=[(1, 3), (2, 3)])
    assert _next(course, goals=[3]).concept_id == 2
    # Once 2 is ready, the goal itself; 4 lies off the path to it.
    options[1] = _option(2, READY + 0.1)
    assert _next(course, goals=[3]).concept_id == 3


def test_the_concept_furthest_below_its_target_comes_before_one_nearly_there():
    # Goals 2 (nearly mastered) and 4 (far from it, its prerequisite 3 mastered): 4 first, though 2 comes earlier
    # in the path's order, since one more item on 2 moves it little.
    options = [_option(2, MASTERED - 0.05), _option(3, 0.9), _option(4, 0.3)]
    course = Course(options=options, items={2: [20], 3: [30], 4: [40]}, edges=[(3, 4)])
    assert _next(course, goals=[2, 4], reviews=False).concept_id == 4
    options[2] = _option(4, MASTERED - 0.1)
    assert _next(course, goals=[2, 4], reviews=False).concept_id == 4
    options[2] = _option(4, MASTERED - 0.01)
    assert _next(course, goals=[2, 4], reviews=False).concept_id == 2


def test_when_the_goal_is_reached_its_weakest_goal_is_still_practised():
    course = Course(options=[_option(1, 0.9), _option(2, 0.95)], items={1: [10], 2: [20]})
    assert _next(course).concept_id == 1


def test_the_unseen_item_with_the_most_expected_gain_is_given():
    outlook = {10: ItemOutlook(success=0.9, gain_right=0.02, gain_wrong=-0.1),  # 0.008
               11: ItemOutlook(success=0.6, gain_right=0.08, gain_wrong=-0.03),  # 0.036
               12: ItemOutlook(success=0.5, gain_right=0.2, gain_wrong=0.0)}  # 0.1, but seen just now
    course = Course(options=[_option(1, 0.4)], items={1: [10, 11, 12]}, outlook=outlook)
    assert outlook[12].expected_gain > outlook[11].expected_gain > outlook[10].expected_gain
    assert _next(course, recent=[12]).item_id == 11
    assert _next(course).item_id == 12


def test_items_seen_long_enough_ago_come_back():
    outlook = {10: ItemOutlook(success=0.7, gain_right=0.1, gain_wrong=0.0),
               11: ItemOutlook(success=0.7, gain_right=0.05, gain_wrong=0.0)}
    course = Course(options=[_option(1, 0.4)], items={1: [10, 11]}, outlook=outlook)
    others = list(range(100, 100 + RECENT_ITEMS))  # items of other concepts
    lately = [10, *others[1:]]
    long_ago = [*others, 10]
    assert _next(course, recent=lately).item_id == 11
    assert _next(course, recent=long_ago).item_id == 10


def test_a_concept_with_a_single_item_gives_it_again():
    course = Course(options=[_option(1, 0.4)], items={1: [10]})
    assert _next(course, recent=[10], current=10).item_id == 10


def test_nothing_to_practise_is_reported_with_the_concept_that_lacks_items():
    with pytest.raises(NothingToPractise) as empty_course:
        _next(Course(options=[], items={}))
    assert empty_course.value.concept_id is None
    with pytest.raises(NothingToPractise) as no_items:
        _next(Course(options=[_option(3, 0.5)], items={}))
    assert no_items.value.concept_id == 3
    with pytest.raises(NothingToPractise) as focus_without_items:
        _next(Course(options=[_option(3, 0.5)], items={3: [30]}), goals=[7])
    assert focus_without_items.value.concept_id == 7
