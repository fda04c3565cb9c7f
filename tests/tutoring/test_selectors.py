"""Reads that turn the learner model's numbers into what students and teachers are shown."""

import pytest

from knowledge.beliefs import Mastery
from tutoring.selectors import MasteryOutlook


def _mastery(p: float, observed: bool = True) -> Mastery:
    return Mastery(p=p, low=p - 0.1, high=p + 0.1, observed=observed)


@pytest.mark.parametrize(("now", "in_a_week", "fading"), [
    (_mastery(0.8), _mastery(0.65), True),
    (_mastery(0.8), _mastery(0.75), False),
    (_mastery(0.4), _mastery(0.45), False),  # a bad day relaxes back up: nothing to review
    (_mastery(0.8, observed=False), _mastery(0.5, observed=False), False),  # never answered: nothing to forget
])
def test_a_concept_is_fading_when_a_week_without_practice_costs_ten_points(now, in_a_week, fading):
    assert MasteryOutlook(mastery=now, in_a_week=in_a_week).fading is fading
