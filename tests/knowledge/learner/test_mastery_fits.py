"""Mastery follows the evidence under posteriors fitted to real classes (assist2017, algebra2005): over every answer
of their learners, and over random histories on their items."""

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.evaluate.datasets import data_dir_default, load, subsample_learners
from knowledge.evaluate.psikt_adapter import interactions_answers, interactions_cohort
from knowledge.learner.filter import filter_mastery, filter_start, filter_step, item_difficulty_of
from knowledge.learner.model import cohort_fit

pytestmark = pytest.mark.slow  # a cohort fit on each data set

TOLERANCE = 1e-6
DATA_SETS = ("assist2017_timestamped_subset", "algebra2005_timestamped_subset")


@pytest.fixture(scope="module", params=DATA_SETS)
def fitted(request):
    folder = data_dir_default() / request.param
    if not folder.exists():
        pytest.skip(f"{folder} is absent: the shared data folder ../shared/data is needed for this test")
    data = subsample_learners(load(folder, "flat"), 60, seed=0)
    posterior = cohort_fit(interactions_cohort(data), steps=100, seed=0, progress=False)
    return posterior, interactions_answers(data)


def _mastery(posterior, state, *, time: float) -> torch.Tensor:
    n = len(posterior.concept_difficulty)
    concept = torch.arange(n)
    p, _, _ = filter_mastery(posterior, state, who=torch.zeros(n, dtype=torch.long), concept=concept,
                             difficulty=posterior.concept_difficulty, time=torch.full((n,), time))
    return p


def _step(posterior, state, *, item: int, concept: int, time: float, right: bool, retry: bool) -> None:
    filter_step(posterior, state, who=torch.tensor([0]), concept=torch.tensor([concept]),
                difficulty=item_difficulty_of(posterior, torch.tensor([item]), torch.tensor([concept])),
                time=torch.tensor([time]), correct=torch.tensor([float(right)]), observe=torch.tensor([True]),
                retry=torch.tensor([retry]))


def _check(before: torch.Tensor, after: torch.Tensor, *, right: bool) -> None:
    if right:
        assert torch.all(after >= before - TOLERANCE), float((before - after).max())
    else:
        assert torch.all(after <= before + TOLERANCE), float((after - before).max())


def test_every_real_answer_moves_mastery_only_its_own_way(fitted):
    posterior, answers = fitted
    for learner in answers.learner.unique()[:20].tolist():
        rows = torch.nonzero(answers.learner == learner).flatten().tolist()
        state, seen = filter_start(posterior, n_learners=1), set()
        for n in rows:
            time, item = float(answers.time[n]), int(answers.item[n])
            before = _mastery(posterior, state, time=time)
            right = bool(answers.correct[n])
            _step(posterior, state, item=item, concept=int(answers.concept[n]), time=time, right=right,
                  retry=item in seen)
            seen.add(item)
            _check(before, _mastery(posterior, state, time=time), right=right)


@settings(max_examples=30, deadline=None)
@given(data=st.data())
def test_random_histories_on_the_fitted_items_move_mastery_only_its_own_way(fitted, data):
    posterior, answers = fitted
    rows = data.draw(st.lists(st.integers(0, len(answers.item) - 1), min_size=1, max_size=30))
    outcomes = data.draw(st.lists(st.booleans(), min_size=len(rows), max_size=len(rows)))
    state, time = filter_start(posterior, n_learners=1), 0.0
    for n, right in zip(rows, outcomes, strict=True):
        time += data.draw(st.floats(0.0, 10.0))
        before = _mastery(posterior, state, time=time)
        _step(posterior, state, item=int(answers.item[n]), concept=int(answers.concept[n]), time=time, right=right,
              retry=data.draw(st.booleans()))
        _check(before, _mastery(posterior, state, time=time), right=right)
