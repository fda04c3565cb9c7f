"""The practice policy: the next concept and item for a student, from the learner model's beliefs alone."""

import random
from dataclasses import dataclass, field

import pytest

from llm.policy import (
    MASTERED,
    RECENT_ITEMS,
    TARGET_SUCCESS,
    ConceptOption,
    NothingToPractise,
    concept_choose,
    practice_next,
)


@dataclass
class Course:
    """A view of a learner over a small course: concept options, items per concept, P(right) per item."""

    options: list[ConceptOption]
    items: dict[int, list[int]]
    success: dict[int, float] = field(default_factory=dict)
    asked: list[list[int]] = field(default_factory=list)

    def concept_options(self) -> list[ConceptOption]:
        return self.options

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items.get(concept_id, [])

    def item_success(self, item_ids):
        self.asked.append(list(item_ids))
        return {item: self.success[item] for item in item_ids if item in self.success}


def _option(concept_id: int, mastery: float, *, uncertainty: float = 0.2, ready: bool = True) -> ConceptOption:
    return ConceptOption(concept_id=concept_id, mastery=mastery, uncertainty=uncertainty, ready=ready)


def test_a_concept_whose_prerequisites_are_not_ready_waits_however_weak():
    options = [_option(1, 0.3, ready=False), _option(2, 0.6)]
    assert all(concept_choose(options, rng=random.Random(seed)) == 2 for seed in range(20))


def test_among_ready_concepts_the_one_with_most_to_gain_comes_first():
    options = [_option(1, 0.7), _option(2, 0.4), _option(3, 0.95)]
    assert concept_choose(options, rng=random.Random(0)) == 2


def test_when_everything_is_mastered_the_least_certain_concept_is_reviewed():
    options = [_option(1, MASTERED + 0.05, uncertainty=0.1), _option(2, MASTERED + 0.1, uncertainty=0.4)]
    assert concept_choose(options, rng=random.Random(0)) == 2


def test_the_item_aimed_at_the_target_success_is_given():
    course = Course(options=[_option(1, 0.5)], items={1: [10, 11, 12]},
                    success={10: 0.95, 11: TARGET_SUCCESS + 0.01, 12: 0.3})
    choice = practice_next(course, focus=None, recent=[], current=None, rng=random.Random(0))
    assert (choice.concept_id, choice.item_id) == (1, 11)


def test_items_answered_lately_and_the_one_on_screen_are_not_repeated_while_others_remain():
    course = Course(options=[_option(1, 0.5)], items={1: [10, 11, 12]},
                    success={10: TARGET_SUCCESS, 11: TARGET_SUCCESS, 12: 0.2})
    choice = practice_next(course, focus=None, recent=[10, 10], current=11, rng=random.Random(0))
    assert choice.item_id == 12 and course.asked == [[12]]


def test_only_the_last_few_items_count_as_recent():
    course = Course(options=[_option(1, 0.5)], items={1: [10, 11]}, success={10: TARGET_SUCCESS, 11: 0.1})
    others = list(range(100, 100 + RECENT_ITEMS - 1))  # other items answered since, newest first
    lately = [*others, 10]
    long_ago = [*others, 101, 102, 200, 10]
    assert practice_next(course, focus=None, recent=lately, current=None, rng=random.Random(0)).item_id == 11
    assert practice_next(course, focus=None, recent=long_ago, current=None, rng=random.Random(0)).item_id == 10


def test_when_every_item_was_seen_lately_any_may_come_again():
    course = Course(options=[_option(1, 0.5)], items={1: [10]}, success={10: 0.9})
    assert practice_next(course, focus=None, recent=[10], current=10, rng=random.Random(0)).item_id == 10


def test_a_focus_is_practised_whatever_the_beliefs():
    course = Course(options=[_option(1, 0.2), _option(2, 0.99)], items={1: [10], 2: [20]}, success={20: 0.9})
    assert practice_next(course, focus=2, recent=[], current=None, rng=random.Random(0)).concept_id == 2


def test_nothing_to_practise_names_what_is_missing():
    with pytest.raises(NothingToPractise) as empty_course:
        practice_next(Course(options=[], items={}), focus=None, recent=[], current=None, rng=random.Random(0))
    assert empty_course.value.concept_id is None
    with pytest.raises(NothingToPractise) as empty_concept:
        practice_next(Course(options=[_option(3, 0.5)], items={}), focus=None, recent=[], current=None,
                      rng=random.Random(0))
    assert empty_concept.value.concept_id == 3


def test_the_same_session_state_gives_the_same_choice():
    course = Course(options=[_option(1, 0.5), _option(2, 0.5)], items={1: [10, 11], 2: [20, 21]},
                    success={10: 0.7, 11: 0.7, 20: 0.7, 21: 0.7})
    choices = {practice_next(course, focus=None, recent=[], current=None, rng=random.Random("7:3")) for _ in range(5)}
    assert len(choices) == 1
