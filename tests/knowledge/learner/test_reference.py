"""The vectorised likelihood and the online filter against the answer-by-answer ``knowledge.learner.reference``."""

import math

import pytest
import torch

from knowledge.learner.data import Answers, chains_build, concept_sets_pad
from knowledge.learner.filter import filter_run
from knowledge.learner.likelihood import chain_log_likelihood
from knowledge.learner.posterior import TRAIT_PRIOR_LOC, Posterior
from knowledge.learner.reference import Belief, filter_by_answer, log_likelihood_by_answer
from knowledge.learner.simulate import SIMULATED_TRAIT_SCALE, cohort_simulate
from tests.knowledge.learner.conftest import with_second_concepts

EDGES = torch.tensor([[0, 1], [2, 1], [1, 2]])  # a cycle is allowed: counts, not z
TERMS = {"transfer": {"edges": EDGES, "edge_weight": torch.tensor([0.8, 1.5, 0.4]), "gamma": torch.tensor(1.3)},
         "recency": {"recency": torch.tensor([0.4, -0.3])},
         "fading": {"fading_gain": torch.tensor([[0.5, -0.2], [0.3, 0.0], [0.6, 0.1]])},
         "retry": {"retry_guess": torch.tensor(0.5)}}


def _likelihood_inputs() -> tuple[Answers, dict]:
    simulation = cohort_simulate(n_learners=6, n_items=12, n_concepts=3, answers_per_learner=15, seed=3)
    answers = simulation.cohort.answers
    return answers, {"traits": simulation.traits, "difficulty": simulation.item_difficulty[answers.item],
                     "learn_right": torch.tensor([0.2, 0.1, 0.3]), "learn_wrong": torch.tensor([0.0, -0.1, 0.05]),
                     "general": torch.tensor([0.05, -0.02]), "discrimination": torch.tensor([0.6, 1.7, 1.0])}


def _vectorised(answers: Answers, edges: torch.Tensor | None = None, **parameters) -> float:
    return float(chain_log_likelihood(answers, chains_build(answers, edges=edges), **parameters))


@pytest.mark.parametrize("terms", [(), ("transfer",), ("recency",), ("fading",), ("retry",),
                                   ("transfer", "recency", "fading", "retry")],
                         ids=lambda terms: "+".join(terms) or "plain")
@pytest.mark.parametrize("several_concepts", [False, True], ids=["one concept", "several concepts"])
def test_vectorised_chain_likelihood_equals_the_reference(terms, several_concepts):
    answers, parameters = _likelihood_inputs()
    if several_concepts:
        answers = with_second_concepts(answers, 3)
    for term in terms:
        parameters.update(TERMS[term])
    reference = log_likelihood_by_answer(answers, **parameters)
    assert _vectorised(answers, **parameters) == pytest.approx(reference, abs=1e-4)
    # each term is really there: leaving it out moves the likelihood hundreds of times the tolerance
    for term in terms:
        without = {name: value for name, value in parameters.items() if name not in TERMS[term]}
        assert abs(reference - log_likelihood_by_answer(answers, **without)) > 0.1
    if several_concepts:
        single = Answers(answers.learner, answers.item, answers.concept, answers.time, answers.correct)
        assert abs(reference - log_likelihood_by_answer(single, **parameters)) > 0.05


N_CONCEPTS, N_ITEMS = 4, 10
RANDOM_EDGES = torch.tensor([[0, 1], [2, 1], [1, 2], [0, 3]])


def _random_answers(generator: torch.Generator, *, n_learners: int, several_concepts: bool) -> Answers:
    """4 to 14 answers per learner, gaps from a minute to weeks with some at the same time as the one before; the
    learners' rows interleaved at random, each learner's in time order; with ``several_concepts`` most items have
    one or two concepts beside their main one."""
    item_concept = torch.randint(N_CONCEPTS, (N_ITEMS,), generator=generator)
    item_sets = []
    for main in item_concept.tolist():
        others = [k for k in torch.randperm(N_CONCEPTS, generator=generator).tolist() if k != main]
        item_sets.append([main] + others[:int(torch.randint(3, (1,), generator=generator)) if several_concepts else 0])
    counts = torch.randint(4, 15, (n_learners,), generator=generator)
    learner = torch.repeat_interleave(torch.arange(n_learners), counts)
    learner = learner[torch.randperm(len(learner), generator=generator)]
    time = torch.empty(len(learner))
    for who, count in enumerate(counts.tolist()):
        gaps = torch.exp(torch.empty(count).uniform_(math.log(1e-3), math.log(20.0), generator=generator))
        gaps[torch.rand(count, generator=generator) < 0.2] = 0.0
        time[learner == who] = torch.cumsum(gaps, 0)
    item = torch.randint(N_ITEMS, (len(learner),), generator=generator)
    return Answers(learner=learner, item=item, concept=item_concept[item], time=time,
                   correct=(torch.rand(len(learner), generator=generator) < 0.6).float(),
                   concepts=concept_sets_pad([item_sets[i] for i in item.tolist()]) if several_concepts else None)


def _random_posterior(generator: torch.Generator, *, n_learners: int, edges: bool) -> Posterior:
    normal = lambda *shape: torch.randn(*shape, generator=generator)  # noqa: E731
    n_edges = len(RANDOM_EDGES) if edges else 0
    return Posterior(trait_loc=TRAIT_PRIOR_LOC + 0.2 * normal(3), trait_scale=SIMULATED_TRAIT_SCALE,
                     traits=TRAIT_PRIOR_LOC + SIMULATED_TRAIT_SCALE * normal(n_learners, 3),
                     item_difficulty=normal(N_ITEMS), concept_difficulty=normal(N_CONCEPTS),
                     learn_right=0.2 + 0.1 * normal(N_CONCEPTS), learn_wrong=0.1 + 0.1 * normal(N_CONCEPTS),
                     fading_gain=0.3 * normal(N_CONCEPTS, 2), discrimination=torch.exp(0.3 * normal(N_CONCEPTS)),
                     general=0.1 * normal(2), item_seen=torch.rand(N_ITEMS, generator=generator) < 0.7,
                     edges=RANDOM_EDGES[:n_edges], edge_weight=1.5 * torch.rand(n_edges, generator=generator),
                     edge_interval=torch.zeros(n_edges, 2), gamma=torch.tensor(1.3 if edges else 0.0),
                     recency=torch.tensor([0.4, -0.3]), retry_guess=torch.tensor(0.6))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("several_concepts", [False, True], ids=["one concept", "several concepts"])
@pytest.mark.parametrize("edges", [False, True], ids=["no edges", "edges"])
def test_chain_likelihood_of_interleaved_learners_equals_the_reference(seed, several_concepts, edges):
    generator = torch.Generator().manual_seed(seed)
    answers = _random_answers(generator, n_learners=5, several_concepts=several_concepts)
    posterior = _random_posterior(generator, n_learners=5, edges=edges)
    parameters = {"traits": posterior.traits, "difficulty": posterior.item_difficulty[answers.item],
                  "learn_right": posterior.learn_right, "learn_wrong": posterior.learn_wrong,
                  "general": posterior.general, "discrimination": posterior.discrimination,
                  "fading_gain": posterior.fading_gain, "recency": posterior.recency,
                  "retry_guess": posterior.retry_guess}
    if edges:
        parameters.update(edges=posterior.edges, edge_weight=posterior.edge_weight, gamma=posterior.gamma)
    assert _vectorised(answers, **parameters) == pytest.approx(log_likelihood_by_answer(answers, **parameters),
                                                               abs=1e-4)


def _belief_row(belief: Belief, n_concepts: int) -> dict[str, list[float]]:
    """A learner's belief as ``FilterState``'s row holds it (never answered: the stationary law, no time)."""
    never = (0.0, 0.0, belief.stationary, math.nan, 0.0)
    known = [(belief.offset[k], belief.coupling[k], belief.variance[k], belief.last_seen[k], belief.fresh[k])
             if k in belief.last_seen else never for k in range(n_concepts)]
    practice = belief.practice
    return {"level_mean": [belief.level_mean], "level_var": [belief.level_var],
            **{name: [row[j] for row in known] for j, name in enumerate(("offset", "coupling", "variance",
                                                                           "last_seen", "fresh"))},
            "right": [practice.right.get(k, 0.0) for k in range(n_concepts)],
            "wrong": [practice.wrong.get(k, 0.0) for k in range(n_concepts)],
            "total_right": [practice.total_right], "total_wrong": [practice.total_wrong],
            "recent_right": [practice.recent_right], "recent_wrong": [practice.recent_wrong]}


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("several_concepts", [False, True], ids=["one concept", "several concepts"])
@pytest.mark.parametrize("edges", [False, True], ids=["no edges", "edges"])
@pytest.mark.parametrize("fitted", [False, True], ids=["new learners", "fitted traits"])
def test_filter_run_predicts_and_ends_as_the_reference_filter(seed, several_concepts, edges, fitted):
    generator = torch.Generator().manual_seed(seed)
    answers = _random_answers(generator, n_learners=5, several_concepts=several_concepts)
    posterior = _random_posterior(generator, n_learners=5, edges=edges)
    observe = torch.rand(len(answers.correct), generator=generator) < 0.8  # the others predicted, not read
    traits = posterior.traits if fitted else None
    predicted, state = filter_run(posterior, answers, observe=observe, traits=traits)
    expected, beliefs = filter_by_answer(posterior, answers, observe=observe, traits=traits)
    assert not observe.all() and predicted.tolist() == pytest.approx(expected, abs=1e-5)
    for i, learner in enumerate(sorted(beliefs)):  # the state's i-th learner is the i-th smallest id
        for name, values in _belief_row(beliefs[learner], N_CONCEPTS).items():
            assert getattr(state, name)[i].reshape(-1).tolist() == pytest.approx(values, abs=1e-5, nan_ok=True), name
