"""The filter's algebra against exact answers."""

import pytest
import torch

from knowledge.learner.gaussian import answer_update, ou_predict
from tests.knowledge.learner.conftest import exact_posterior


@pytest.mark.parametrize(("mean", "variance", "difficulty", "discrimination", "correct"), [
    (0.0, 1.0, 0.0, 1.0, True), (0.5, 2.0, 1.0, 1.0, False), (-1.0, 0.5, -0.5, 1.0, True), (1.5, 3.0, 0.0, 1.0, False),
    (0.5, 1.0, 0.0, 0.6, True), (-0.5, 2.0, 0.5, 1.8, False),
])
def test_answer_update_matches_the_exact_posterior(mean, variance, difficulty, discrimination, correct):
    t = torch.tensor
    p, _, _, post_mean, _, post_var = answer_update(t(0.0), t(0.0), t(mean), t(0.0), t(variance), t(difficulty),
                                                    t(discrimination), t(float(correct)))
    exact_p, exact_mean, exact_var = exact_posterior(mean, variance, difficulty, discrimination, correct)
    assert float(p) == pytest.approx(exact_p, abs=0.01)
    assert float(post_mean) == pytest.approx(exact_mean, abs=0.1)
    assert float(post_var) == pytest.approx(exact_var, rel=0.15)


def test_level_and_concept_share_an_answer_by_their_uncertainty():
    t = torch.tensor
    _, level, level_var, offset, coupling, concept_var = answer_update(t(0.0), t(0.2), t(0.0), t(0.0), t(1.0),
                                                                       t(0.0), t(1.0), t(1.0))
    concept = offset + coupling * level  # the mean of d
    assert 0 < float(level) < float(concept)
    assert float(level_var) < 0.2 and float(concept_var) < 1.0
    assert float(coupling) < 0  # the answer says more about mu + d than about either: a higher mu means a lower d


def test_ou_forgets_towards_the_mean_and_the_stationary_spread():
    mean, var = torch.tensor([2.0]), torch.tensor([0.1])
    same = ou_predict(mean, var, torch.tensor([0.0]), torch.tensor(0.5), torch.tensor(0.8))
    later = ou_predict(mean, var, torch.tensor([1.0]), torch.tensor(0.5), torch.tensor(0.8))
    long_after = ou_predict(mean, var, torch.tensor([1e4]), torch.tensor(0.5), torch.tensor(0.8))
    assert same[0].item() == pytest.approx(2.0) and same[1].item() == pytest.approx(0.1)
    assert 0 < later[0].item() < 2.0 and 0.1 < later[1].item() < 0.8
    assert long_after[0].item() == pytest.approx(0.0, abs=1e-6) and long_after[1].item() == pytest.approx(0.8)
