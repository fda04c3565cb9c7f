"""Prerequisite edges in the learner model: recovering a true edge from simulated learners, suggesting edges."""

import pytest
import torch

from knowledge.learner.data import Answers
from knowledge.learner.edges import edge_candidates, edge_suggestions
from knowledge.learner.model import cohort_fit
from knowledge.learner.simulate import cohort_simulate

# Five concepts taught in index order; only 0 -> 3 carries transfer, the others are candidates with none.
EDGES = torch.tensor([[0, 3], [1, 3], [2, 4], [0, 4], [1, 2]])
TRUE_WEIGHT = torch.tensor([3.0, 0.0, 0.0, 0.0, 0.0])


@pytest.fixture(scope="module")
def fitted():
    simulation = cohort_simulate(n_learners=80, n_items=15, n_concepts=5, answers_per_learner=60, seed=0,
                                 edges=EDGES, edge_weight=TRUE_WEIGHT, sessions=12)
    return simulation, cohort_fit(simulation.cohort, steps=100, learning_rate=0.05, progress=False)


@pytest.mark.slow
def test_a_strong_true_edge_outranks_the_non_edges(fitted):
    _, posterior = fitted
    assert float(posterior.edge_weight[0]) > float(posterior.edge_weight[1:].max())
    low, high = posterior.edge_interval[0].tolist()
    assert 0 <= low <= float(posterior.edge_weight[0]) <= high


@pytest.mark.slow
def test_suggestions_put_the_true_edge_first_with_readable_evidence(fitted):
    simulation, posterior = fitted
    answers = simulation.cohort.answers
    suggestions = edge_suggestions(posterior=posterior, answers=answers, candidates=EDGES,
                                   concept_names=["count", "add", "carry", "subtract", "borrow"])
    assert (suggestions[0].parent, suggestions[0].child) == (0, 3)
    assert [s.score for s in suggestions] == sorted((s.score for s in suggestions), reverse=True)
    evidence = suggestions[0].evidence
    assert evidence["answers_after_parent"] + evidence["answers_without_parent"] == int((answers.concept == 3).sum())
    assert 0 < evidence["learners_after_parent"] <= 80
    assert evidence["right_after_parent"] > float(answers.correct.mean())  # the transfer shows in the raw rates
    contrasted = next(s for s in suggestions if s.evidence["answers_without_parent"] > 0)
    assert contrasted.evidence["right_without_parent"] is not None
    assert contrasted.evidence["summary"].startswith(
        f"learners who had got {['count', 'add', 'carry', 'subtract', 'borrow'][contrasted.parent]} right 3+ times")


@pytest.mark.slow
def test_suggestions_refuse_an_edge_the_fit_did_not_weigh(fitted):
    simulation, posterior = fitted
    with pytest.raises(ValueError, match="not part of the fit"):
        edge_suggestions(posterior=posterior, answers=simulation.cohort.answers, candidates=torch.tensor([[4, 0]]))


def test_candidates_are_pairs_enough_learners_practised_in_order_outside_the_graph():
    # learners 0-2 answer concept 0, then 1, then 2; learner 3 answers 1, then 2, then 0; learners 4-6 only 2
    learner = [0, 0, 0, 1, 1, 1, 2, 2, 2, 3, 3, 3, 4, 5, 6]
    concept = [0, 1, 2, 0, 1, 2, 0, 1, 2, 1, 2, 0, 2, 2, 2]
    n = len(learner)
    answers = Answers(learner=torch.tensor(learner), item=torch.zeros(n, dtype=torch.long),
                      concept=torch.tensor(concept), time=torch.arange(n, dtype=torch.float32),
                      correct=torch.ones(n))
    candidates = edge_candidates(answers=answers, edges=torch.tensor([[0, 1]]), n_concepts=3, least_learners=3)
    # (0, 1) is curated; (2, 0) has 1 learner; (2, 1) none: learners who never answered 1 do not count
    assert sorted(map(tuple, candidates.tolist())) == [(0, 2), (1, 2)]
    # the most-practised order first: (1, 2) by 4 learners, (0, 2) by 3
    assert edge_candidates(answers=answers, edges=torch.tensor([[0, 1]]), n_concepts=3, most=1,
                           least_learners=3).tolist() == [[1, 2]]
