"""Simulated cohorts."""

import torch

from knowledge.learner.simulate import cohort_simulate


def test_prior_predictive_success_rates_are_plausible():
    simulation = cohort_simulate(n_learners=60, n_items=40, n_concepts=5, answers_per_learner=30, seed=2)
    per_learner = torch.zeros(60).index_add_(0, simulation.cohort.answers.learner, simulation.cohort.answers.correct)
    rates = per_learner / 30
    assert 0.3 < float(rates.mean()) < 0.7 and float(rates.std()) > 0.1  # learners differ, none trivially
