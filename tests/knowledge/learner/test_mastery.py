"""Mastery follows the evidence: never up on a wrong answer, never down on a right one, down over a run of wrong
answers, on the concept answered and on every other (``knowledge.learner.filter.filter_mastery``)."""

import copy

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from knowledge.learner.filter import FilterState, filter_mastery, filter_start, filter_step
from knowledge.learner.posterior import TRAIT_PRIOR_LOC, Posterior
from knowledge.learner.storage import posterior_from_dict, posterior_to_dict

N_CONCEPTS, N_ITEMS = 4, 8
EDGES = torch.tensor([[0, 1], [1, 2], [0, 3], [2, 3]])
ITEM_CONCEPTS = torch.tensor([[0, -1], [1, -1], [2, -1], [3, -1], [1, 0], [2, 1], [3, 2], [3, -1]])  # main first
TOLERANCE = 1e-6

floats = st.floats(min_value=-1.0, max_value=1.0, allow_nan=False)
vectors = st.lists(floats, min_size=N_CONCEPTS, max_size=N_CONCEPTS)
answers = st.lists(st.tuples(st.integers(0, N_ITEMS - 1), st.booleans(), st.floats(0.0, 30.0), st.booleans()),
                   max_size=25)


@st.composite
def posteriors(draw) -> Posterior:
    """Any posterior the model can produce: beta^- <= beta^+ and g^- <= g^+ (its parametrisation), the rest free."""
    learn_right = torch.tensor(draw(vectors))
    gaps = torch.tensor(draw(st.lists(st.floats(0.0, 1.0), min_size=N_CONCEPTS, max_size=N_CONCEPTS)))
    general_right = draw(floats)
    return Posterior(
        trait_loc=TRAIT_PRIOR_LOC + torch.tensor(draw(st.lists(floats, min_size=3, max_size=3))),
        trait_scale=torch.tensor(draw(st.lists(st.floats(0.05, 1.5), min_size=3, max_size=3))),
        traits=torch.zeros(0, 3), item_difficulty=2 * torch.tensor(draw(st.lists(floats, min_size=N_ITEMS,
                                                                                   max_size=N_ITEMS))),
        concept_difficulty=2 * torch.tensor(draw(vectors)), learn_right=learn_right, learn_wrong=learn_right - gaps,
        fading_gain=torch.tensor(draw(st.lists(vectors, min_size=2, max_size=2))).T,
        discrimination=torch.exp(torch.tensor(draw(vectors))),
        general=torch.tensor([general_right, general_right - draw(st.floats(0.0, 1.0))]),
        item_seen=torch.ones(N_ITEMS, dtype=torch.bool), edges=EDGES,
        edge_weight=torch.tensor(draw(st.lists(st.floats(0.0, 2.0), min_size=len(EDGES), max_size=len(EDGES)))),
        edge_interval=torch.zeros(len(EDGES), 2), gamma=torch.tensor(draw(st.floats(0.0, 2.0))),
        recency=torch.tensor(draw(st.lists(floats, min_size=2, max_size=2))),
        retry_guess=torch.tensor(draw(st.floats(0.0, 0.9))))


def _answer(posterior: Posterior, state: FilterState, *, item: int, right: bool, time: float, retry: bool,
            observe: bool = True) -> None:
    concepts = ITEM_CONCEPTS[item][None]
    filter_step(posterior, state, who=torch.tensor([0]), concept=concepts[:, 0],
                difficulty=posterior.item_difficulty[[item]], time=torch.tensor([time]),
                correct=torch.tensor([float(right)]), observe=torch.tensor([observe]), concepts=concepts,
                retry=torch.tensor([retry]))


def _mastery(posterior: Posterior, state: FilterState, *, time: float) -> torch.Tensor:
    concept = torch.arange(N_CONCEPTS)
    p, low, high = filter_mastery(posterior, state, who=torch.zeros(N_CONCEPTS, dtype=torch.long), concept=concept,
                                  difficulty=posterior.concept_difficulty, time=torch.full((N_CONCEPTS,), time))
    assert torch.all(low <= p) and torch.all(p <= high)
    return p


def _state_after(posterior: Posterior, history, *, fitted: bool) -> tuple[FilterState, float]:
    """A learner's state after a history of (item, right, days later, observed) answers."""
    traits = posterior.trait_loc[None] + 0.5 if fitted else None
    state = filter_start(posterior, n_learners=1, traits=traits)
    time, answered = 0.0, set()
    for item, right, gap, observe in history:
        time += gap
        _answer(posterior, state, item=item, right=right, time=time, retry=item in answered, observe=observe)
        answered.add(item)
    return state, time


@settings(max_examples=150, deadline=None)
@given(posterior=posteriors(), history=answers, item=st.integers(0, N_ITEMS - 1), right=st.booleans(),
       gap=st.floats(0.0, 30.0), retry=st.booleans(), fitted=st.booleans())
def test_an_answer_moves_every_concepts_mastery_only_its_own_way(posterior, history, item, right, gap, retry,
                                                                  fitted):
    state, time = _state_after(posterior, history, fitted=fitted)
    before = _mastery(posterior, state, time=time + gap)
    _answer(posterior, state, item=item, right=right, time=time + gap, retry=retry)
    after = _mastery(posterior, state, time=time + gap)
    if right:
        assert torch.all(after >= before - TOLERANCE), (before, after)
    else:
        assert torch.all(after <= before + TOLERANCE), (before, after)


@settings(max_examples=80, deadline=None)
@given(posterior=posteriors(), history=answers, item=st.integers(0, N_ITEMS - 1), fitted=st.booleans())
def test_a_run_of_wrong_answers_lowers_the_mastery_of_the_concept(posterior, history, item, fitted):
    state, time = _state_after(posterior, history, fitted=fitted)
    main = int(ITEM_CONCEPTS[item, 0])
    end = time + 4 / 1440
    before = float(_mastery(posterior, copy.deepcopy(state), time=end)[main])  # the same minutes, no answers
    for n in range(4):
        _answer(posterior, state, item=item, right=False, time=time + n / 1440, retry=n > 0)
    after = float(_mastery(posterior, state, time=end)[main])
    assert after < before or before > 1 - 1e-6  # float32 sigmoid: both read 1.0 far above the item


def test_a_stored_fit_from_before_the_constraint_loads_with_it():
    posterior = Posterior(trait_loc=TRAIT_PRIOR_LOC, trait_scale=torch.ones(3), traits=torch.zeros(0, 3),
                          item_difficulty=torch.zeros(1), concept_difficulty=torch.zeros(2),
                          learn_right=torch.tensor([0.1, 0.3]), learn_wrong=torch.tensor([0.2, 0.1]),
                          fading_gain=torch.zeros(2, 2), discrimination=torch.ones(2),
                          general=torch.tensor([0.0, 0.1]), item_seen=torch.ones(1, dtype=torch.bool))
    stored = posterior_to_dict(posterior)
    del stored["retry_guess"]
    loaded = posterior_from_dict(stored)
    assert loaded.learn_wrong.tolist() == pytest.approx([0.1, 0.1])
    assert loaded.learn_right.tolist() == pytest.approx([0.1, 0.3])
    assert loaded.general.tolist() == [0.0, 0.0] and float(loaded.retry_guess) == 0.0


@settings(max_examples=100, deadline=None)
@given(posterior=posteriors(), history=answers, item=st.integers(0, N_ITEMS - 1), right=st.booleans())
def test_a_retry_moves_mastery_less_than_a_first_try(posterior, history, item, right):
    state, time = _state_after(posterior, history, fitted=False)
    before = _mastery(posterior, state, time=time)
    moved = {}
    for retry in (False, True):
        copy_of_state = copy.deepcopy(state)
        _answer(posterior, copy_of_state, item=item, right=right, time=time, retry=retry)
        moved[retry] = (_mastery(posterior, copy_of_state, time=time) - before).abs()
    assert torch.all(moved[True] <= moved[False] + TOLERANCE)
