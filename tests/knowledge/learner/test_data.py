"""Answers and their indexing: chains, recency sums, practice along edges."""

import numpy as np
import pytest
import torch

from knowledge.learner.data import RECENCY_DECAY, Answers, chains_build, edge_practice, learner_positions, recent_sums
from tests.knowledge.learner.conftest import answers_of


def test_chains_group_each_learners_concept_answers_in_time_order():
    answers = answers_of([0, 0, 0, 1, 1], [3, 5, 3, 3, 3], [1.0, 2.0, 4.0, 0.5, 0.75], [1, 0, 1, 0, 1])
    chains = chains_build(answers)
    assert chains.rows.tolist() == [0, 2, 1, 3, 4]  # (learner 0, concept 3), (0, 5), (1, 3)
    assert chains.first.tolist() == [True, False, True, True, False]
    assert chains.gap.tolist() == pytest.approx([0.0, 3.0, 0.0, 0.0, 0.25])
    assert chains.longest() == 2


def test_recent_sums_weigh_each_learners_earlier_answers_by_their_age():
    # rows of two learners interleaved, learner 0's out of time order
    answers = answers_of([0, 1, 0, 1, 0], [0, 0, 1, 1, 0], [3.0, 1.0, 1.0, 2.0, 2.0], [1, 1, 1, 0, 1])
    position, first = learner_positions(answers)
    sums = recent_sums(answers.correct.numpy().astype(np.float64), position, first)
    # learner 0 in time order: rows 2, 4, 0, all right; learner 1: row 1 right, then row 3
    assert sums.tolist() == pytest.approx([1.0 + RECENCY_DECAY, 0.0, 0.0, 1.0, 1.0])
    long_run = answers_of([0] * 200 + [1], [0] * 201, list(range(201)), [1] * 201)
    position, first = learner_positions(long_run)
    after_long_run = recent_sums(long_run.correct.numpy().astype(np.float64), position, first)
    assert after_long_run[-1] == 0.0  # learner 1 starts afresh: nothing carried over from learner 0
    assert after_long_run[199] == pytest.approx(1 / (1 - RECENCY_DECAY))


def test_answers_refuse_concept_sets_without_the_main_concept_first():
    with pytest.raises(ValueError, match="main concept first"):
        Answers(torch.tensor([0]), torch.tensor([0]), torch.tensor([2]), torch.tensor([0.0]), torch.tensor([1.0]),
                concepts=torch.tensor([[1, 2]]))


def test_edge_practice_counts_each_learners_earlier_answers_on_the_parent():
    # learner 0: parent 0 right, child 1, parent 0 wrong, child 1; learner 1: child 1 before any parent answer
    answers = answers_of([0, 0, 0, 0, 1, 1], [0, 1, 0, 1, 1, 0], [1.0, 2.0, 3.0, 4.0, 1.0, 2.0], [1, 0, 0, 1, 1, 1])
    practice = edge_practice(answers, torch.tensor([[0, 1], [1, 0]]))
    table = sorted(zip(practice.edge.tolist(), practice.parent.tolist(), practice.row.tolist(),
                       practice.right.tolist(), practice.wrong.tolist(), strict=True))
    assert table == [(0, 0, 1, 1.0, 0.0), (0, 0, 3, 1.0, 1.0), (1, 1, 2, 0.0, 1.0), (1, 1, 5, 1.0, 0.0)]
    assert len(chains_build(answers).edge_practice.row) == 0  # no edges, no table
