"""The first learner model: Gaussian belief on the logit scale, Laplace update per answer."""

import math
from datetime import UTC, datetime, timedelta

import numpy as np
import pytest

from knowledge.learner import Belief, GaussianLogitModel
from knowledge.learner.gaussian import sigmoid

NOW = datetime(2026, 11, 1, 9, 0, tzinfo=UTC)
MODEL = GaussianLogitModel()


def _numerical_posterior(mean: float, variance: float, difficulty: float, correct: bool) -> tuple[float, float]:
    """Posterior mean and variance of z by quadrature on a dense grid (the exact answer)."""
    z = np.linspace(mean - 12 * math.sqrt(variance), mean + 12 * math.sqrt(variance), 200_001)
    prior = np.exp(-0.5 * (z - mean) ** 2 / variance)
    p = 1 / (1 + np.exp(-(z - difficulty)))
    posterior = prior * (p if correct else 1 - p)
    posterior /= posterior.sum()
    post_mean = float((z * posterior).sum())
    return post_mean, float(((z - post_mean) ** 2 * posterior).sum())


@pytest.mark.parametrize(("mean", "variance", "difficulty", "correct"), [
    (0.0, 1.0, 0.0, True), (0.0, 1.0, 0.0, False), (-0.5, 2.0, 1.0, True), (1.5, 0.3, -1.0, False),
])
def test_update_matches_the_exact_posterior_closely(mean, variance, difficulty, correct):
    [updated] = MODEL.update([Belief(mean, variance, NOW)], difficulty=difficulty, correct=correct, at=NOW)
    exact_mean, exact_variance = _numerical_posterior(mean, variance, difficulty, correct)
    assert updated.mean == pytest.approx(exact_mean, abs=0.1)
    assert updated.variance == pytest.approx(exact_variance, rel=0.15)


def test_right_answer_raises_and_wrong_answer_lowers_the_belief():
    prior = MODEL.prior()
    [up] = MODEL.update([prior], difficulty=0.0, correct=True, at=NOW)
    [down] = MODEL.update([prior], difficulty=0.0, correct=False, at=NOW)
    assert down.mean < prior.mean < up.mean
    assert up.variance < prior.variance and down.variance < prior.variance


def test_right_answer_on_a_hard_item_counts_for_more_than_on_an_easy_one():
    prior = MODEL.prior()
    [easy] = MODEL.update([prior], difficulty=-2.0, correct=True, at=NOW)
    [hard] = MODEL.update([prior], difficulty=2.0, correct=True, at=NOW)
    assert hard.mean > easy.mean


def test_multi_concept_item_moves_the_less_certain_concept_more():
    certain, uncertain = Belief(0.0, 0.2, NOW), Belief(0.0, 2.0, NOW)
    after = MODEL.update([certain, uncertain], difficulty=0.0, correct=True, at=NOW)
    assert after[1].mean - uncertain.mean > after[0].mean - certain.mean > 0


def test_belief_grows_uncertain_while_not_practised_but_never_beyond_the_prior():
    belief = Belief(1.0, 0.2, NOW)
    week = MODEL.predict(belief, at=NOW + timedelta(days=7))
    year = MODEL.predict(belief, at=NOW + timedelta(days=365))
    assert 0.2 < week.variance < year.variance <= MODEL.prior_variance
    assert week.mean == belief.mean


def test_mastery_interval_contains_the_estimate_and_narrows_with_evidence():
    belief = MODEL.prior()
    first = MODEL.mastery(belief, at=NOW)
    for _ in range(10):
        [belief] = MODEL.update([belief], difficulty=0.0, correct=True, at=NOW)
    later = MODEL.mastery(belief, at=NOW)
    assert first.low < first.p < first.high and later.low < later.p < later.high
    assert later.p > 0.8 and later.uncertainty < first.uncertainty


def test_predicted_success_accounts_for_uncertainty():
    sure, unsure = Belief(2.0, 0.01, NOW), Belief(2.0, 4.0, NOW)
    assert MODEL.p_correct([sure], difficulty=0, at=NOW).p_correct == pytest.approx(sigmoid(2.0), abs=0.01)
    assert MODEL.p_correct([unsure], difficulty=0, at=NOW).p_correct < sigmoid(2.0)


def test_item_needs_a_concept():
    with pytest.raises(ValueError):
        MODEL.update([], difficulty=0, correct=True, at=NOW)
