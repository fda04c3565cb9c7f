"""The baselines learn what simulated learners do, and never peek at answers they are asked to predict."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest
from scipy.stats import spearmanr

from knowledge.evaluate import metrics
from knowledge.evaluate.baselines import BKT, DKT, BestLR
from knowledge.evaluate.datasets import Interactions, concat, split_learners
from knowledge.evaluate.protocols import FUTURE_LENGTH, HISTORY_LENGTH, evaluate, scored_rows
from knowledge.evaluate.psikt_adapter import (
    EDGE_CANDIDATE_LEARNERS,
    PsiKT,
    candidate_edges_added,
    interactions_cohort,
    next_step_predictions,
)
from knowledge.evaluate.registry import MODELS
from knowledge.learner.edges import CANDIDATE_EDGE_PRIOR
from knowledge.learner.model import cohort_fit

TRUE_BKT = {"init": np.array([0.2, 0.5, 0.3]), "learn": np.array([0.15, 0.05, 0.3]),
            "guess": np.array([0.2, 0.25, 0.1]), "slip": np.array([0.1, 0.05, 0.15])}


def simulate_bkt(n_learners: int, length: int, seed: int, params: dict = TRUE_BKT) -> Interactions:
    """Learners practising random skills, answering as a BKT model with ``params`` says (two items per skill)."""
    rng = np.random.default_rng(seed)
    n_skills = len(params["init"])
    skill = rng.integers(n_skills, size=(n_learners, length))
    known = rng.random((n_learners, n_skills)) < params["init"]
    correct = np.zeros((n_learners, length), dtype=np.int8)
    learners = np.arange(n_learners)
    for t in range(length):
        k = skill[:, t]
        p = np.where(known[learners, k], 1 - params["slip"][k], params["guess"][k])
        correct[:, t] = rng.random(n_learners) < p
        known[learners, k] |= rng.random(n_learners) < params["learn"][k]
    item = 2 * skill + rng.integers(2, size=skill.shape)
    return Interactions(learner=np.repeat(learners, length), item=item.ravel(), skill=skill.ravel(), skills=None,
                        time=np.tile(np.arange(length, dtype=float), n_learners), correct=correct.ravel(),
                        has_time=False, name="simulated-bkt", n_items=2 * n_skills, n_skills=n_skills)


def test_bkt_recovers_the_parameters_it_was_simulated_from():
    data = simulate_bkt(n_learners=2000, length=30, seed=0)

    model = BKT()
    model.fit(data, None)

    for name, truth in TRUE_BKT.items():
        np.testing.assert_allclose(getattr(model.params, name), truth, atol=0.05, err_msg=name)


def test_bestlr_beats_a_constant_predictor_when_learners_learn():
    train, _, test = split_learners(simulate_bkt(n_learners=300, length=40, seed=1), seed=0)

    model = BestLR()
    model.fit(train, None)
    p = model.predict_next_step(test)

    constant = np.full(len(test), train.correct.mean())
    assert metrics.logloss(test.correct, p) < metrics.logloss(test.correct, constant) - 0.05
    assert metrics.auc(test.correct, p) > 0.7


def test_dkt_trains_and_beats_chance():
    train, valid, test = split_learners(simulate_bkt(n_learners=150, length=30, seed=2), seed=0)

    model = DKT(seed=0, hidden_size=32, embedding_size=16, learning_rate=1e-2, max_epochs=6)
    model.fit(train, valid)

    assert metrics.auc(test.correct, model.predict_next_step(test)) > 0.7


def _small_model(name: str):
    """Each registered model, sized for a test that checks what it reads, not how well it fits."""
    small = {"dkt": lambda: DKT(seed=0, hidden_size=16, embedding_size=8, max_epochs=2),
             "psikt": lambda: PsiKT(seed=0, steps=30)}
    return small[name]() if name in small else MODELS[name](seed=0)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_future_predictions_do_not_read_future_answers(name):
    train, valid, test = split_learners(simulate_bkt(n_learners=120, length=30, seed=3), seed=0)
    model = _small_model(name)
    model.fit(train, valid)
    future, history = scored_rows("psikt", test)

    p = model.predict_future(history, future)
    flipped = model.predict_future(history, replace(future, correct=(1 - future.correct).astype(np.int8)))

    assert p.shape == (len(future),) and np.all((p > 0) & (p < 1))
    np.testing.assert_array_equal(p, flipped)


@pytest.mark.parametrize("name", sorted(MODELS))
def test_next_step_prediction_of_a_row_ignores_its_own_and_later_answers(name):
    train, valid, test = split_learners(simulate_bkt(n_learners=120, length=30, seed=4), seed=0)
    model = _small_model(name)
    model.fit(train, valid)
    last = np.flatnonzero(test.position() == 29)  # each learner's last row

    p = model.predict_next_step(test)
    changed = test.correct.copy()
    changed[last] = 1 - changed[last]
    p_changed = model.predict_next_step(replace(test, correct=changed))

    np.testing.assert_allclose(p, p_changed, rtol=1e-6)


class _Recorder:
    """A model that predicts a learner's success rate so far and records what each call was shown (the simulated
    time is each interaction's position in its learner's sequence)."""

    name = "recorder"

    def __init__(self):
        self.calls = []

    def fit(self, train, valid):
        pass

    def predict_future(self, history, future):
        self.calls.append((history.time.max(initial=-1), future.time.tolist(), len(set(future.learner))))
        rate = np.bincount(history.learner, weights=history.correct, minlength=future.n_learners) / np.maximum(
            np.bincount(history.learner, minlength=future.n_learners), 1)
        return np.clip(rate[future.learner], 0.01, 0.99)


def test_continual_rounds_reveal_one_interaction_per_learner_before_predicting_the_next():
    train, valid, test = split_learners(simulate_bkt(n_learners=120, length=30, seed=5), seed=0)
    model = _Recorder()
    evaluation = evaluate(model, "continual", train, valid, test)
    learners = len(set(test.learner))
    assert len(model.calls) == FUTURE_LENGTH
    for round_, (last_shown, positions, n_learners) in enumerate(model.calls):
        assert last_shown == HISTORY_LENGTH + round_ - 1 and set(positions) == {HISTORY_LENGTH + round_}
        assert n_learners == learners
    future, _ = scored_rows("psikt", test)  # the same rows as the multi-step protocol, one round at a time
    assert sorted(evaluation.correct.tolist()) == sorted(future.correct.tolist())
    assert len(evaluation.p) == FUTURE_LENGTH * learners and evaluation.scores()["update_seconds"] >= 0


def _pairs_practised(orders: list[tuple[int, int, int]]) -> Interactions:
    """Learners each answering one item of skill a, then one of skill b: ``(a, b, learners)`` per group."""
    skill = np.concatenate([np.tile([a, b], n) for a, b, n in orders])
    n_learners = len(skill) // 2
    return Interactions(learner=np.repeat(np.arange(n_learners), 2), item=skill, skill=skill, skills=None,
                        time=np.tile([0.0, 1.0], n_learners), correct=np.ones(len(skill), dtype=np.int8),
                        has_time=False, name="pairs", n_items=4, n_skills=4)


def test_a_candidate_edge_is_a_pair_that_enough_learners_practised_in_that_order():
    data = _pairs_practised([(0, 1, EDGE_CANDIDATE_LEARNERS), (2, 3, EDGE_CANDIDATE_LEARNERS - 1)])

    assert interactions_cohort(data).edges is None
    cohort = candidate_edges_added(interactions_cohort(data))
    assert cohort.edges.tolist() == [[0, 1]]
    assert cohort.edge_prior.tolist() == [pytest.approx(CANDIDATE_EDGE_PRIOR)]


def _transfer_course(*, n_learners: int, seed: int) -> Interactions:
    """Learners answering concepts 0 and 2 (0-12 times each, shuffled), then 8 items of concept 1, which they get
    right the more often the more they practised concept 0 first: P(right) = sigmoid(-1.5 + 1.2 log(1 + answers
    on 0 so far)); concepts 0 and 2 grow with their own practice only. Three items per concept."""
    rng = np.random.default_rng(seed)
    rows = []  # (learner, item, skill, time, correct)
    for learner in range(n_learners):
        on_0, on_2 = rng.integers(0, 13, size=2)
        sequence = [*rng.permutation(np.r_[np.zeros(on_0, dtype=int), np.full(on_2, 2)]), *[1] * 8]
        practised = np.zeros(3)
        for t, concept in enumerate(sequence):
            logit = -1.5 + 1.2 * np.log1p(practised[0]) if concept == 1 else 0.3 * np.log1p(practised[concept])
            rows.append((learner, 3 * concept + rng.integers(3), concept, float(t),
                         int(rng.random() < 1 / (1 + np.exp(-logit)))))
            practised[concept] += 1
    learner, item, skill, time, correct = map(np.array, zip(*rows, strict=True))
    return Interactions(learner=learner, item=item, skill=skill, skills=None, time=time,
                        correct=correct.astype(np.int8), has_time=False, name="transfer", n_items=9, n_skills=3)


@pytest.mark.slow
def test_the_harness_fit_weighs_candidate_edges_when_practice_on_one_concept_carries_over_to_another():
    train, valid, test = split_learners(_transfer_course(n_learners=200, seed=0), seed=0)
    model = PsiKT(seed=0, steps=100)
    model.fit(train, valid)
    without_edges = cohort_fit(interactions_cohort(concat(train, valid)), steps=100, seed=0, progress=False)

    strongest = model.posterior.edges[model.posterior.edge_weight.argmax()]
    assert strongest.tolist() == [0, 1]
    assert metrics.auc(test.correct, model.predict_next_step(test)) > metrics.auc(
        test.correct, next_step_predictions(without_edges, test)) + 0.02


@pytest.mark.slow
def test_psikt_traits_place_learners_who_answer_better_at_a_higher_long_term_level():
    data = simulate_bkt(n_learners=120, length=30, seed=5)
    model = PsiKT(seed=0, steps=150)
    model.fit(data, None)

    traits = model.learner_traits()
    assert {len(values) for values in traits.values()} == {120}
    assert all(np.isfinite(values).all() for values in traits.values())
    assert traits["success_rate"] == pytest.approx(np.bincount(data.learner, weights=data.correct) / 30)
    assert spearmanr(traits["μ (long-term level)"], traits["success_rate"]).statistic > 0.8


@pytest.mark.slow
def test_psikt_forecasts_less_success_the_longer_the_future_comes_after_the_history():
    data = replace(simulate_bkt(n_learners=120, length=30, seed=6), has_time=True)
    data = replace(data, time=data.time * 600.0)  # an answer every ten minutes, in seconds
    train, valid, test = split_learners(data, seed=0)
    model = PsiKT(seed=0, steps=150)
    model.fit(train, None)
    future, history = scored_rows("psikt", test)
    strong = np.isin(future.learner, np.flatnonzero(np.bincount(history.learner, weights=history.correct) >= 7))

    soon = model.predict_future(history, future)
    months_later = model.predict_future(history, replace(future, time=future.time + 90 * 86400.0))

    assert strong.any()
    assert np.mean(months_later[strong]) < np.mean(soon[strong]) - 0.01
