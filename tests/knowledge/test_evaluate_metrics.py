"""Metrics match values worked out by hand on tiny arrays."""

from __future__ import annotations

import math

import numpy as np
import pytest

from knowledge.evaluate import metrics


def test_ece_weights_each_bin_gap_by_its_share_of_rows():
    # bins of width 1/15: 0.1 and 0.12 share bin 1; 0.9 is in bin 13; 1.0 goes in the last bin (14)
    p = np.array([0.1, 0.12, 0.9, 1.0])
    correct = np.array([0, 1, 1, 1])
    # bin 1: |0.5 - 0.11| * 2/4; bin 13: |1 - 0.9| * 1/4; bin 14: 0
    assert metrics.ece(correct, p) == pytest.approx(0.39 * 0.5 + 0.1 * 0.25)


def test_accuracy_f1_and_logloss_on_a_tiny_example():
    p = np.array([0.8, 0.6, 0.3, 0.2])
    correct = np.array([1, 0, 1, 0])
    assert metrics.accuracy(correct, p) == 0.5
    assert metrics.f1(correct, p) == pytest.approx(0.5)  # precision 1/2, recall 1/2
    expected = -np.mean(np.log([0.8, 0.4, 0.3, 0.8]))
    assert metrics.logloss(correct, p) == pytest.approx(expected)


def test_auc_of_one_class_is_undefined():
    assert math.isnan(metrics.auc(np.array([1, 1]), np.array([0.2, 0.9])))


def test_quintile_auc_ranks_learners_by_success_rate_and_reports_the_gap():
    # ten learners, two per quintile; learner l answers l/10-ish correctly
    learner = np.repeat(np.arange(10), 4)
    correct = np.array([[1, 0, 0, 0], [0, 1, 0, 0],    # success 0.25: quintile 0
                        [1, 1, 0, 0], [0, 0, 1, 1],    # 0.5: quintile 1
                        [1, 1, 0, 0], [1, 0, 1, 0],    # 0.5: quintile 2 (ties ordered by learner id)
                        [1, 1, 1, 0], [0, 1, 1, 1],    # 0.75: quintile 3
                        [1, 1, 1, 1], [1, 1, 1, 1]]).ravel()  # 1.0: quintile 4 (one class: no AUC)
    perfect = correct * 0.5 + 0.25  # ranks every row right
    inverted = 1 - perfect
    p = np.where(learner < 2, inverted, perfect)  # quintile 0 is ranked exactly wrong

    result = metrics.equity(correct, p, learner)

    assert result["quintile_auc"][:4] == [0.0, 1.0, 1.0, 1.0]
    assert math.isnan(result["quintile_auc"][4])
    assert result["gap"] == 1.0


def test_resampled_auc_with_every_learner_drawn_once_is_the_auc_ties_included():
    rng = np.random.default_rng(0)
    learner = np.repeat(np.arange(30), 5)
    correct = rng.integers(2, size=150)
    p = np.round(rng.random(150), 1)  # many ties
    once = np.ones((1, 30))
    assert metrics._resampled_auc(correct.astype(float), p, once, learner)[0] == pytest.approx(metrics.auc(correct, p))


def test_paired_difference_brackets_a_real_margin_and_is_zero_between_a_model_and_itself():
    rng = np.random.default_rng(1)
    learner = np.repeat(np.arange(200), 20)
    ability = rng.normal(size=200)[learner]
    correct = (rng.random(len(learner)) < 1 / (1 + np.exp(-2 * ability))).astype(np.int8)
    informed = 1 / (1 + np.exp(-2 * ability))
    guessing = rng.random(len(learner))

    better = metrics.paired_difference(correct, informed, guessing, learner)
    low, high = better["auc_interval_95"]
    assert 0 < low <= better["auc_difference"] <= high
    assert better["auc_difference"] == pytest.approx(metrics.auc(correct, informed) - metrics.auc(correct, guessing))
    low, high = better["accuracy_interval_95"]
    assert 0 < low <= better["accuracy_difference"] <= high

    same = metrics.paired_difference(correct, informed, informed, learner)
    assert same["auc_difference"] == 0 and same["auc_interval_95"] == [0, 0] and same["accuracy_interval_95"] == [0, 0]


def test_paired_difference_leaves_out_the_auc_when_every_answer_is_right():
    learner = np.repeat(np.arange(4), 3)
    paired = metrics.paired_difference(np.ones(12), np.full(12, 0.9), np.full(12, 0.4), learner)
    assert "auc_difference" not in paired and paired["accuracy_difference"] == 1.0
