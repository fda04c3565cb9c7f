"""PSI-KT: the filter's pieces against exact answers, vectorisation against a plain loop, and recovery."""

import math
from dataclasses import replace

import numpy as np
import pytest
import torch

from knowledge.learner.psikt import (
    RECENCY_DECAY,
    Answers,
    Posterior,
    answer_update,
    chain_log_likelihood,
    chains_build,
    cohort_fit,
    cohort_simulate,
    edge_practice,
    filter_run,
    filter_start,
    filter_step,
    filter_success,
    learner_positions,
    ou_predict,
    posterior_from_dict,
    posterior_to_dict,
    recent_sums,
)


def _exact_posterior(mean: float, variance: float, difficulty: float, discrimination: float,
                     correct: bool) -> tuple[float, float, float]:
    """Predictive P(correct), posterior mean and variance of z by quadrature on a dense grid."""
    z = np.linspace(mean - 12 * math.sqrt(variance), mean + 12 * math.sqrt(variance), 200_001)
    prior = np.exp(-0.5 * (z - mean) ** 2 / variance)
    prior /= prior.sum()
    p = 1 / (1 + np.exp(-discrimination * (z - difficulty)))
    predictive = float((prior * p).sum())
    posterior = prior * (p if correct else 1 - p)
    posterior /= posterior.sum()
    post_mean = float((z * posterior).sum())
    return predictive, post_mean, float(((z - post_mean) ** 2 * posterior).sum())


@pytest.mark.parametrize(("mean", "variance", "difficulty", "discrimination", "correct"), [
    (0.0, 1.0, 0.0, 1.0, True), (0.5, 2.0, 1.0, 1.0, False), (-1.0, 0.5, -0.5, 1.0, True), (1.5, 3.0, 0.0, 1.0, False),
    (0.5, 1.0, 0.0, 0.6, True), (-0.5, 2.0, 0.5, 1.8, False),
])
def test_answer_update_matches_the_exact_posterior(mean, variance, difficulty, discrimination, correct):
    t = torch.tensor
    p, _, _, post_mean, _, post_var = answer_update(t(0.0), t(0.0), t(mean), t(0.0), t(variance), t(difficulty),
                                                    t(discrimination), t(float(correct)))
    exact_p, exact_mean, exact_var = _exact_posterior(mean, variance, difficulty, discrimination, correct)
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


def test_many_answers_on_one_concept_are_not_counted_as_independent_evidence_about_the_level():
    """Thirty answers on concept 0 at one moment: the filter's belief about the level, and its predictions on
    concept 0 and on the unpractised concept 1, against the exact posterior of (mu, d_0) on a grid."""
    posterior = replace(_posterior(weight=0.0, gamma=0.0), learn_right=torch.zeros(2), learn_wrong=torch.zeros(2))
    state = filter_start(posterior, n_learners=1)
    level_mean, level_var = float(state.level_mean[0]), float(state.level_var[0])
    stationary = float(state.stationary[0])
    answers = [1.0, 1.0, 0.0, 1.0, 1.0, 1.0, 0.0, 1.0, 1.0, 1.0] * 3
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
               time=torch.tensor([0.0]), observe=torch.tensor([True]))
    for correct in answers:
        filter_step(posterior, state, correct=torch.tensor([correct]), **one)

    grid = np.linspace(-8.0, 8.0, 801)
    mu, d = np.meshgrid(grid, grid, indexing="ij")
    log_weight = -0.5 * (mu - level_mean) ** 2 / level_var - 0.5 * d ** 2 / stationary
    right = 1 / (1 + np.exp(-(mu + d)))
    for correct in answers:
        log_weight += np.log(right if correct else 1 - right)
    weight = np.exp(log_weight - log_weight.max())
    weight /= weight.sum()
    exact_level = float((weight * mu).sum())
    exact_level_var = float((weight * (mu - exact_level) ** 2).sum())
    d_new = np.linspace(-6.0, 6.0, 241)  # d_1 ~ N(0, stationary), independent of (mu, d_0)
    d_new_weight = np.exp(-0.5 * d_new ** 2 / stationary)
    d_new_weight /= d_new_weight.sum()
    exact_new = float((weight.sum(axis=1)[:, None] * d_new_weight[None, :]
                       / (1 + np.exp(-(grid[:, None] + d_new[None, :])))).sum())

    assert float(state.level_mean[0]) == pytest.approx(exact_level, abs=0.05)
    assert float(state.level_var[0]) == pytest.approx(exact_level_var, rel=0.15)
    for concept, exact in ((0, float((weight * right).sum())), (1, exact_new)):
        p, _, _ = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([concept]),
                                 difficulty=torch.tensor([0.0]), time=torch.tensor([0.0]))
        assert float(p) == pytest.approx(exact, abs=0.01)


def test_ou_forgets_towards_the_mean_and_the_stationary_spread():
    mean, var = torch.tensor([2.0]), torch.tensor([0.1])
    same = ou_predict(mean, var, torch.tensor([0.0]), torch.tensor(0.5), torch.tensor(0.8))
    later = ou_predict(mean, var, torch.tensor([1.0]), torch.tensor(0.5), torch.tensor(0.8))
    long_after = ou_predict(mean, var, torch.tensor([1e4]), torch.tensor(0.5), torch.tensor(0.8))
    assert same[0].item() == pytest.approx(2.0) and same[1].item() == pytest.approx(0.1)
    assert 0 < later[0].item() < 2.0 and 0.1 < later[1].item() < 0.8
    assert long_after[0].item() == pytest.approx(0.0, abs=1e-6) and long_after[1].item() == pytest.approx(0.8)


def _answers(learner, concept, time, correct, item=None):
    n = len(learner)
    return Answers(learner=torch.tensor(learner), item=torch.tensor(item or [0] * n), concept=torch.tensor(concept),
                   time=torch.tensor(time, dtype=torch.float32), correct=torch.tensor(correct, dtype=torch.float32))


def test_chains_group_each_learners_concept_answers_in_time_order():
    answers = _answers([0, 0, 0, 1, 1], [3, 5, 3, 3, 3], [1.0, 2.0, 4.0, 0.5, 0.75], [1, 0, 1, 0, 1])
    chains = chains_build(answers)
    assert [r.tolist() for r in chains.ranks] == [[0, 1, 3], [2, 4]]
    assert chains.previous[1].tolist() == [0, 2]  # row 2 follows row 0, row 4 follows row 3
    assert chains.gap.tolist() == pytest.approx([3.0, 0.25])  # the rows of rank 1


def _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges=(), weights=(),
                               gamma=0.0, recency=(0.0, 0.0)):
    """The chain likelihood answer by answer, in plain Python floats."""
    total, state, counts, totals, recent = 0.0, {}, {}, {}, {}
    for n in range(len(answers.correct)):
        learner, k = int(answers.learner[n]), int(answers.concept[n])
        alpha, level, sigma = math.exp(traits[learner, 0]), float(traits[learner, 1]), math.exp(traits[learner, 2])
        stationary = sigma**2 / (2 * alpha)
        if (learner, k) in state:
            mean, var, last = state[learner, k]
            r = math.exp(-alpha * (float(answers.time[n]) - last))
            mean, var = r * mean, r * r * var + stationary * (1 - r * r)
        else:
            mean, var = 0.0, stationary
        item_concepts = [c for c in answers.concept_sets()[n].tolist() if c >= 0]
        anchor = 0.0
        for c in item_concepts:  # the item's concepts' practice and transfer, averaged
            rights, wrongs = counts.get((learner, c), (0, 0))
            built = float(right[c]) * math.log1p(rights) + float(wrong[c]) * math.log1p(wrongs)
            for (j, child), w in zip(edges, weights, strict=True):
                if child == c:
                    parent_right, parent_wrong = counts.get((learner, j), (0, 0))
                    built += gamma * w * (float(right[j]) * math.log1p(parent_right)
                                          + float(wrong[j]) * math.log1p(parent_wrong))
            anchor += built / len(item_concepts)
        all_right, all_wrong = totals.get(learner, (0, 0))
        anchor += float(general[0]) * math.log1p(all_right) + float(general[1]) * math.log1p(all_wrong)
        recent_right, recent_wrong = recent.get(learner, (0.0, 0.0))
        anchor += recency[0] * recent_right + recency[1] * recent_wrong
        kappa = float(discrimination[k])
        z = level + anchor + mean - float(difficulty[n])
        lam = math.sqrt(math.pi / 8) * kappa  # the probit slope on z, kappa lambda
        spread = math.sqrt(1 + lam * lam * var)
        y = float(answers.correct[n])
        sign = 1.0 if y else -1.0
        p = 0.5 * math.erfc(-lam * z / spread / math.sqrt(2))
        c = sign * lam * z / spread
        cdf = 0.5 * math.erfc(-c / math.sqrt(2))
        g = math.exp(-c * c / 2) / math.sqrt(2 * math.pi) / cdf
        total += math.log(p) if y else math.log(1 - p)
        new_var = var - lam * lam * var * var / spread**2 * g * (c + g)
        mean = mean + sign * lam * var * g / spread
        for c in item_concepts:
            rights, wrongs = counts.get((learner, c), (0, 0))
            counts[learner, c] = (rights + y, wrongs + 1 - y)
        totals[learner] = (all_right + y, all_wrong + 1 - y)
        recent[learner] = (RECENCY_DECAY * recent_right + y, RECENCY_DECAY * recent_wrong + 1 - y)
        state[learner, k] = (mean, new_var, float(answers.time[n]))
    return total


def _likelihood_inputs():
    simulation = cohort_simulate(n_learners=6, n_items=12, n_concepts=3, answers_per_learner=15, seed=3)
    right, wrong = torch.tensor([0.2, 0.1, 0.3]), torch.tensor([0.0, -0.1, 0.05])
    general, discrimination = torch.tensor([0.05, -0.02]), torch.tensor([0.6, 1.7, 1.0])
    answers = simulation.cohort.answers
    return answers, simulation.traits, simulation.item_difficulty[answers.item], right, wrong, general, discrimination


def test_vectorised_chain_likelihood_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    vectorised = chain_log_likelihood(answers, chains_build(answers), traits=traits, difficulty=difficulty,
                                      learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination)
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)


def test_vectorised_chain_likelihood_with_transfer_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    edges, weights, gamma = [(0, 1), (2, 1), (1, 2)], [0.8, 1.5, 0.4], 1.3  # a cycle is allowed: counts, not z
    vectorised = chain_log_likelihood(answers, chains_build(answers, edges=torch.tensor(edges)), traits=traits,
                                      difficulty=difficulty, learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, edge_weight=torch.tensor(weights),
                                      gamma=torch.tensor(gamma))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges,
                                       weights, gamma)
    without = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - without) > 0.1  # the transfer term is really there


def test_vectorised_chain_likelihood_with_recency_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    vectorised = chain_log_likelihood(answers, chains_build(answers), traits=traits, difficulty=difficulty,
                                      learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, recency=torch.tensor([0.4, -0.3]))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination,
                                       recency=(0.4, -0.3))
    without = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - without) > 0.1  # the recency term is really there


def test_recent_sums_weigh_each_learners_earlier_answers_by_their_age():
    # rows of two learners interleaved, learner 0's out of time order
    answers = _answers([0, 1, 0, 1, 0], [0, 0, 1, 1, 0], [3.0, 1.0, 1.0, 2.0, 2.0], [1, 1, 1, 0, 1])
    position, first = learner_positions(answers)
    sums = recent_sums(answers.correct.numpy().astype(np.float64), position, first)
    # learner 0 in time order: rows 2, 4, 0, all right; learner 1: row 1 right, then row 3
    assert sums.tolist() == pytest.approx([1.0 + RECENCY_DECAY, 0.0, 0.0, 1.0, 1.0])
    long_run = _answers([0] * 200 + [1], [0] * 201, list(range(201)), [1] * 201)
    position, first = learner_positions(long_run)
    after_long_run = recent_sums(long_run.correct.numpy().astype(np.float64), position, first)
    assert after_long_run[-1] == 0.0  # learner 1 starts afresh: nothing carried over from learner 0
    assert after_long_run[199] == pytest.approx(1 / (1 - RECENCY_DECAY))


def _with_second_concepts(answers: Answers, n_concepts: int) -> Answers:
    """The same answers, every other row's item also on the next concept (by index)."""
    second = torch.where(torch.arange(len(answers.concept)) % 2 == 0, (answers.concept + 1) % n_concepts, -1)
    return Answers(answers.learner, answers.item, answers.concept, answers.time, answers.correct,
                   concepts=torch.stack([answers.concept, second], dim=1))


def test_vectorised_likelihood_of_items_with_several_concepts_equals_a_plain_loop():
    answers, traits, difficulty, right, wrong, general, discrimination = _likelihood_inputs()
    answers = _with_second_concepts(answers, 3)
    edges, weights, gamma = [(0, 1), (2, 1), (1, 2)], [0.8, 1.5, 0.4], 1.3
    vectorised = chain_log_likelihood(answers, chains_build(answers, edges=torch.tensor(edges)), traits=traits,
                                      difficulty=difficulty, learn_right=right, learn_wrong=wrong, general=general,
                                      discrimination=discrimination, edge_weight=torch.tensor(weights),
                                      gamma=torch.tensor(gamma))
    total = _plain_loop_log_likelihood(answers, traits, difficulty, right, wrong, general, discrimination, edges,
                                       weights, gamma)
    single = _plain_loop_log_likelihood(Answers(answers.learner, answers.item, answers.concept, answers.time,
                                                answers.correct), traits, difficulty, right, wrong, general,
                                        discrimination, edges, weights, gamma)
    assert float(vectorised) == pytest.approx(total, rel=1e-4)
    assert abs(total - single) > 0.1  # the second concepts really count


def test_answers_refuse_concept_sets_without_the_main_concept_first():
    with pytest.raises(ValueError, match="main concept first"):
        Answers(torch.tensor([0]), torch.tensor([0]), torch.tensor([2]), torch.tensor([0.0]), torch.tensor([1.0]),
                concepts=torch.tensor([[1, 2]]))


def test_edge_practice_counts_each_learners_earlier_answers_on_the_parent():
    # learner 0: parent 0 right, child 1, parent 0 wrong, child 1; learner 1: child 1 before any parent answer
    answers = _answers([0, 0, 0, 0, 1, 1], [0, 1, 0, 1, 1, 0], [1.0, 2.0, 3.0, 4.0, 1.0, 2.0], [1, 0, 0, 1, 1, 1])
    practice = edge_practice(answers, torch.tensor([[0, 1], [1, 0]]))
    table = sorted(zip(practice.edge.tolist(), practice.parent.tolist(), practice.row.tolist(),
                       practice.right.tolist(), practice.wrong.tolist(), strict=True))
    assert table == [(0, 0, 1, 1.0, 0.0), (0, 0, 3, 1.0, 1.0), (1, 1, 2, 0.0, 1.0), (1, 1, 5, 1.0, 0.0)]
    assert len(chains_build(answers).edge_practice.row) == 0  # no edges, no table


def test_future_predictions_never_read_the_future_answers():
    simulation = cohort_simulate(n_learners=20, n_items=30, n_concepts=4, answers_per_learner=20, seed=1)
    posterior = cohort_fit(simulation.cohort, steps=20, progress=False)
    answers = simulation.cohort.answers
    observe = torch.ones(len(answers.correct), dtype=torch.bool)
    observe[answers.learner >= 10] = False
    flipped = Answers(answers.learner, answers.item, answers.concept, answers.time,
                      torch.where(observe, answers.correct, 1 - answers.correct))
    assert torch.equal(filter_run(posterior, answers, observe=observe)[0],
                       filter_run(posterior, flipped, observe=observe)[0])


def test_prior_predictive_success_rates_are_plausible():
    simulation = cohort_simulate(n_learners=60, n_items=40, n_concepts=5, answers_per_learner=30, seed=2)
    per_learner = torch.zeros(60).index_add_(0, simulation.cohort.answers.learner, simulation.cohort.answers.correct)
    rates = per_learner / 30
    assert 0.3 < float(rates.mean()) < 0.7 and float(rates.std()) > 0.1  # learners differ, none trivially


def test_fit_recovers_item_difficulties_and_learner_levels():
    simulation = cohort_simulate(n_learners=120, n_items=30, n_concepts=3, answers_per_learner=60, seed=0)
    posterior = cohort_fit(simulation.cohort, steps=250, learning_rate=0.05, progress=False)
    difficulty_r = np.corrcoef(posterior.item_difficulty, simulation.item_difficulty)[0, 1]
    level_r = np.corrcoef(posterior.traits[:, 1], simulation.traits[:, 1])[0, 1]
    assert difficulty_r > 0.9 and level_r > 0.8


def test_fit_tells_sharply_discriminating_concepts_from_weak_ones():
    simulation = cohort_simulate(n_learners=120, n_items=30, n_concepts=3, answers_per_learner=60, seed=1,
                                 discrimination=torch.tensor([0.4, 1.0, 2.5]))
    posterior = cohort_fit(simulation.cohort, steps=250, learning_rate=0.05, progress=False)
    weak, middle, sharp = posterior.discrimination.tolist()
    assert weak < middle < sharp and sharp > 2 * weak  # the overall scale trades off against z's; the order shows


def test_new_learner_level_is_learned_from_answers():
    simulation = cohort_simulate(n_learners=30, n_items=20, n_concepts=2, answers_per_learner=30, seed=4)
    posterior = cohort_fit(simulation.cohort, steps=150, progress=False)
    strong = _answers([0] * 12, [0, 1] * 6, list(range(12)), [1] * 12, item=[0, 1] * 6)
    weak = _answers([0] * 12, [0, 1] * 6, list(range(12)), [0] * 12, item=[0, 1] * 6)
    everything = torch.ones(12, dtype=torch.bool)
    assert filter_run(posterior, strong, observe=everything)[0][-1] > filter_run(posterior, weak,
                                                                                observe=everything)[0][-1] + 0.2


def test_fit_returns_one_value_per_learner_item_and_concept():
    simulation = cohort_simulate(n_learners=5, n_items=8, n_concepts=2, answers_per_learner=6, seed=5)
    posterior = cohort_fit(simulation.cohort, steps=2, progress=False)
    assert posterior.traits.shape == (5, 3) and posterior.item_difficulty.shape == (8,)
    assert posterior.learn_right.shape == (2,) and posterior.concept_difficulty.shape == (2,)


def test_fit_stops_early_and_keeps_the_posterior_that_validated_best():
    simulation = cohort_simulate(n_learners=8, n_items=10, n_concepts=2, answers_per_learner=10, seed=6)
    checked, checked_at, losses = [], [], iter([3.0, 1.0, 2.0, 2.5, 0.5])
    steps_run = []

    def validate(posterior: Posterior, done: int) -> float:
        checked.append(posterior.item_difficulty.clone())
        checked_at.append(done)
        return next(losses)

    posterior = cohort_fit(simulation.cohort, steps=50, progress=False, validate=validate, validate_every=3,
                           validate_from=7, patience=2, on_step=lambda done, total: steps_run.append(done))
    assert checked_at == [9, 12, 15, 18]  # from step 7 on, every 3 steps
    assert steps_run[-1] == 18  # two checks without improvement on the best: stop
    assert torch.equal(posterior.item_difficulty, checked[1])  # the best check's, not moved by later steps
    assert not torch.equal(checked[1], checked[3])


def test_fit_shorter_than_the_first_check_is_still_checked_at_its_end():
    simulation = cohort_simulate(n_learners=8, n_items=10, n_concepts=2, answers_per_learner=10, seed=6)
    checked_at = []

    def validate(posterior: Posterior, done: int) -> float:
        checked_at.append(done)
        return 1.0

    cohort_fit(simulation.cohort, steps=5, progress=False, validate=validate, validate_from=7)
    assert checked_at == [5]


def _posterior(*, weight: float, gamma: float, edges=((0, 1),)) -> Posterior:
    """Two concepts, one item each, and the edges 0 -> 1 with the given weight."""
    return Posterior(trait_loc=torch.tensor([math.log(0.2), 0.0, math.log(0.5)]),
                     trait_scale=torch.tensor([0.5, 1.0, 0.3]), traits=torch.zeros(0, 3),
                     item_difficulty=torch.zeros(2), concept_difficulty=torch.zeros(2),
                     learn_right=torch.tensor([0.4, 0.2]), learn_wrong=torch.tensor([0.1, 0.1]),
                     fading_gain=torch.zeros(2, 2), discrimination=torch.ones(2), general=torch.zeros(2),
                     item_seen=torch.ones(2, dtype=torch.bool), edges=torch.tensor(edges).reshape(-1, 2),
                     edge_weight=torch.full((len(edges),), weight), edge_interval=torch.zeros(len(edges), 2),
                     gamma=torch.tensor(gamma))


def _child_success_after_parent_practice(posterior: Posterior, rights_on_parent: int) -> float:
    state = filter_start(posterior, n_learners=1)
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
               observe=torch.tensor([True]))
    for t in range(rights_on_parent):
        filter_step(posterior, state, time=torch.tensor([float(t)]), correct=torch.tensor([1.0]), **one)
    state.level_mean[:] = 0.0  # the level learned from the parent's answers is not transfer: hold it still
    p, _, _ = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                             difficulty=torch.tensor([0.0]), time=torch.tensor([30.0]))
    return float(p)


def test_practice_on_a_prerequisite_raises_the_child_prediction_with_transfer_only():
    success = _child_success_after_parent_practice
    transfer = _posterior(weight=1.0, gamma=1.0)
    assert success(transfer, 8) > success(transfer, 0) + 0.05
    for off in (_posterior(weight=0.0, gamma=1.0), _posterior(weight=1.0, gamma=0.0)):
        assert success(off, 8) == pytest.approx(success(off, 0))


def test_filter_prediction_with_transfer_matches_the_exact_predictive():
    posterior = _posterior(weight=0.7, gamma=1.5)
    state = filter_start(posterior, n_learners=1)
    state.right[0, 0], state.wrong[0, 0] = 5.0, 2.0
    p, _, _ = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                             difficulty=torch.tensor([0.3]), time=torch.tensor([1.0]))
    transfer = 1.5 * 0.7 * (0.4 * math.log(6) + 0.1 * math.log(3))
    mean = float(state.level_mean[0]) + transfer
    variance = float(state.level_var[0] + state.stationary[0])
    exact_p, _, _ = _exact_posterior(mean, variance, 0.3, 1.0, True)
    assert float(p) == pytest.approx(exact_p, abs=0.01)


def test_batched_predictions_with_transfer_equal_one_at_a_time():
    posterior = _posterior(weight=0.7, gamma=1.5, edges=((0, 1), (1, 0)))
    state = filter_start(posterior, n_learners=2)
    state.right[0], state.wrong[0], state.right[1] = torch.tensor([5.0, 1.0]), torch.tensor([2.0, 0.0]), 3.0
    who, concept = torch.tensor([0, 1, 0, 1]), torch.tensor([1, 1, 0, 0])
    batched, _, _ = filter_success(posterior, state, who=who, concept=concept, difficulty=torch.zeros(4),
                                   time=torch.ones(4))
    alone = [float(filter_success(posterior, state, who=who[i:i + 1], concept=concept[i:i + 1],
                                  difficulty=torch.zeros(1), time=torch.ones(1))[0]) for i in range(4)]
    assert batched.tolist() == pytest.approx(alone) and len(set(alone)) == 4


def _filtered_and_fitted_log_likelihood(posterior: Posterior, answers: Answers):
    """(log-likelihood of the answers under the online filter with the fitted traits, under the fit, final state)."""
    p, state = filter_run(posterior, answers, observe=torch.ones(len(answers.correct), dtype=torch.bool),
                          traits=posterior.traits)
    p = p.clamp(1e-6, 1 - 1e-6)
    filtered = float((answers.correct * p.log() + (1 - answers.correct) * (-p).log1p()).sum())
    fit = chain_log_likelihood(answers, chains_build(answers, edges=posterior.edges), traits=posterior.traits,
                               difficulty=posterior.item_difficulty[answers.item], learn_right=posterior.learn_right,
                               learn_wrong=posterior.learn_wrong, general=posterior.general,
                               discrimination=posterior.discrimination, fading_gain=posterior.fading_gain,
                               edge_weight=posterior.edge_weight, gamma=posterior.gamma,
                               recency=posterior.recency)
    return filtered, float(fit), state


def test_filter_with_fitted_traits_scores_the_answers_as_the_fit_does():
    simulation = cohort_simulate(n_learners=8, n_items=12, n_concepts=3, answers_per_learner=20, seed=6,
                                 fading_right=0.5, fading_wrong=-0.2,
                                 edges=torch.tensor([[0, 1], [1, 2]]), edge_weight=torch.tensor([1.0, 0.5]))
    posterior = replace(cohort_fit(simulation.cohort, steps=5, progress=False),
                        fading_gain=torch.tensor([[0.5, -0.2], [0.3, 0.0], [0.6, 0.1]]),
                        discrimination=torch.tensor([1.0, 0.6, 1.7]), recency=torch.tensor([0.4, -0.3]))
    answers = simulation.cohort.answers
    filtered, fit, _ = _filtered_and_fitted_log_likelihood(posterior, answers)
    assert len(posterior.edge_weight) == 2 and posterior.edge_interval.shape == (2, 2)
    assert filtered == pytest.approx(float(fit), rel=1e-4)


def test_filter_on_items_with_several_concepts_scores_the_answers_as_the_fit_does():
    simulation = cohort_simulate(n_learners=8, n_items=12, n_concepts=3, answers_per_learner=20, seed=7,
                                 edges=torch.tensor([[0, 1], [1, 2]]), edge_weight=torch.tensor([1.0, 0.5]))
    answers = _with_second_concepts(simulation.cohort.answers, 3)
    posterior = cohort_fit(replace(simulation.cohort, answers=answers), steps=5, progress=False)
    filtered, fit, state = _filtered_and_fitted_log_likelihood(posterior, answers)
    assert filtered == pytest.approx(float(fit), rel=1e-4)
    touched = (state.right + state.wrong).sum(dim=1)  # every concept of each item was practised
    assert touched.sum() == len(answers.correct) + int((answers.concepts[:, 1] >= 0).sum())
    assert (state.total_right + state.total_wrong).sum() == len(answers.correct)


def test_an_item_with_two_concepts_is_practice_on_both():
    posterior = _posterior(weight=0.0, gamma=0.0)
    both = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]),
                observe=torch.tensor([True]), concepts=torch.tensor([[0, 1]]))
    alone = {**both, "concepts": None}

    def second_concept_success(step: dict) -> float:
        state = filter_start(posterior, n_learners=1)
        for t in range(6):
            filter_step(posterior, state, time=torch.tensor([float(t)]), correct=torch.tensor([1.0]), **step)
        state.level_mean[:] = 0.0  # the level learned from the answers is not practice: hold it still
        p, _, _ = filter_success(posterior, state, who=torch.tensor([0]), concept=torch.tensor([1]),
                                 difficulty=torch.tensor([0.0]), time=torch.tensor([30.0]))
        return float(p)

    assert second_concept_success(both) > second_concept_success(alone) + 0.05


def test_a_fresh_practice_gain_fades_with_time_and_the_lasting_gain_stays():
    one = dict(who=torch.tensor([0]), concept=torch.tensor([0]), difficulty=torch.tensor([0.0]))

    def success(*, fading_gain: torch.Tensor, practised: bool) -> list[float]:
        """P(correct) now, a week and three months after one right answer (or none)."""
        posterior = replace(_posterior(weight=0.0, gamma=0.0), fading_gain=fading_gain)
        state = filter_start(posterior, n_learners=1)
        if practised:
            filter_step(posterior, state, time=torch.tensor([0.0]), correct=torch.tensor([1.0]),
                        observe=torch.tensor([True]), **one)
        state.level_mean[:] = 0.0  # the level learned from the answer is not practice: hold it still
        return [float(filter_success(posterior, state, time=torch.tensor([t]), **one)[0]) for t in (0.0, 7.0, 90.0)]

    fading = success(fading_gain=torch.tensor([[0.6, 0.0], [0.0, 0.0]]), practised=True)
    lasting_only = success(fading_gain=torch.zeros(2, 2), practised=True)
    assert fading[0] > lasting_only[0] + 0.05  # just after the answer, its fresh gain shows
    assert fading[0] > fading[1] > fading[2]  # and is forgotten over days
    assert fading[2] == pytest.approx(lasting_only[2], abs=1e-3)  # until only the lasting gain is left
    assert lasting_only[2] > success(fading_gain=torch.zeros(2, 2), practised=False)[2] + 0.05


def test_old_snapshot_without_edges_loads_with_transfer_off():
    stored = posterior_to_dict(_posterior(weight=1.0, gamma=1.0))
    for key in ("edges", "edge_weight", "edge_interval", "gamma", "fading_gain", "discrimination", "recency"):
        del stored[key]
    old = posterior_from_dict({**stored, "edge_suggestions": []})
    assert old.edges.shape == (0, 2) and old.edge_weight.shape == (0,) and float(old.gamma) == 0.0
    assert torch.equal(old.fading_gain, torch.zeros(2, 2)) and torch.equal(old.discrimination, torch.ones(2))
    assert torch.equal(old.recency, torch.zeros(2))
    assert _child_success_after_parent_practice(old, 8) == pytest.approx(_child_success_after_parent_practice(old, 0))


def test_stored_posterior_round_trips_its_edges():
    posterior = _posterior(weight=0.6, gamma=0.9, edges=((0, 1), (1, 0)))
    again = posterior_from_dict(posterior_to_dict(posterior))
    assert torch.equal(again.edges, posterior.edges) and torch.allclose(again.edge_weight, posterior.edge_weight)
    assert float(again.gamma) == pytest.approx(0.9)
