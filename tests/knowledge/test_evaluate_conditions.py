"""The conditions built from a data set: the same learners and answers, with time or item answers taken away."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from knowledge.evaluate.conditions import SPARSE_ITEM_ANSWERS, conditions_apply
from knowledge.evaluate.datasets import Interactions


def cohort(n_learners: int = 60, items: int = 4, rounds: int = 3, seed: int = 0) -> Interactions:
    """Every learner answers every item ``rounds`` times, in a random order, at random times."""
    rng = np.random.default_rng(seed)
    per_learner = items * rounds
    item = np.concatenate([rng.permutation(np.repeat(np.arange(items), rounds)) for _ in range(n_learners)])
    time = np.cumsum(rng.exponential(3600.0, size=n_learners * per_learner))
    return Interactions(learner=np.repeat(np.arange(n_learners), per_learner), item=item, skill=item % 2,
                        skills=None, time=time, correct=rng.integers(0, 2, size=len(item)).astype(np.int8),
                        has_time=True, name="toy", n_items=items, n_skills=2)


def test_no_time_counts_interactions_within_each_learner():
    data = conditions_apply(cohort(n_learners=3), ["no-time"], seed=0)

    assert not data.has_time and data.name == "toy + no-time"
    np.testing.assert_array_equal(data.time, np.tile(np.arange(12.0), 3))


def test_sparse_items_split_each_item_into_copies_of_a_few_answers():
    data = cohort()
    sparse = conditions_apply(data, ["sparse-items"], seed=0)

    answers = np.bincount(sparse.item, minlength=sparse.n_items)
    assert sparse.n_items == 4 * int(np.ceil(60 * 3 / SPARSE_ITEM_ANSWERS))
    assert answers.mean() == pytest.approx(SPARSE_ITEM_ANSWERS)
    assert (answers > 0).mean() > 0.95  # the copies are drawn across learners, not left empty
    # Each copy keeps its item's skill, and the answers, learners and their order are untouched.
    original = np.zeros(sparse.n_items, dtype=np.int64)
    original[sparse.item] = data.item
    np.testing.assert_array_equal(original[sparse.item], data.item)
    np.testing.assert_array_equal(sparse.skill, data.skill)
    np.testing.assert_array_equal(sparse.correct, data.correct)


def test_sparse_items_keep_a_learners_retries_on_one_copy():
    sparse = conditions_apply(cohort(), ["sparse-items"], seed=0)

    pairs = np.unique(np.stack([sparse.learner, sparse.item]), axis=1)
    assert pairs.shape[1] == 60 * 4  # one copy per (learner, item): its three answers stay together


def test_conditions_are_seeded_and_compose():
    data = cohort()

    once, again = (conditions_apply(data, ["sparse-items", "no-time"], seed=3) for _ in range(2))
    other = conditions_apply(data, ["sparse-items"], seed=4)

    np.testing.assert_array_equal(once.item, again.item)
    assert not np.array_equal(once.item, other.item)
    assert not once.has_time and once.name == "toy + sparse-items + no-time"


def test_unknown_condition_is_refused():
    with pytest.raises(ValueError, match="unknown condition"):
        conditions_apply(replace(cohort(n_learners=2)), ["no-items"], seed=0)


def test_short_histories_make_each_window_of_answers_a_learner():
    data = cohort(n_learners=3, items=40, rounds=3)  # 120 answers each: windows of 50, 50 and 20

    short = conditions_apply(data, ["short-histories"], seed=0)

    assert short.n_learners == 9
    np.testing.assert_array_equal(np.bincount(short.learner), [50, 50, 20] * 3)
    np.testing.assert_array_equal(short.item, data.item)
    np.testing.assert_array_equal(short.time, data.time)
    assert short.has_time


def test_skill_rows_give_an_answer_a_row_per_concept_of_its_item():
    data = replace(cohort(n_learners=2, items=2, rounds=1), skills=[np.array(s) for s in ([0, 3], [1], [2], [0, 1])])

    rows = conditions_apply(data, ["skill-rows"], seed=0)

    assert len(rows) == 6 and rows.n_skills == 4
    np.testing.assert_array_equal(rows.skill, [0, 3, 1, 2, 0, 1])
    np.testing.assert_array_equal(rows.item, np.repeat(data.item, [2, 1, 1, 2]))
    np.testing.assert_array_equal(rows.correct, np.repeat(data.correct, [2, 1, 1, 2]))
    np.testing.assert_array_equal(rows.learner, [0, 0, 0, 1, 1, 1])


def test_skill_rows_need_concept_sets():
    with pytest.raises(ValueError, match="no concept sets"):
        conditions_apply(cohort(n_learners=2), ["skill-rows"], seed=0)
