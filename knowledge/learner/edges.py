"""Prerequisite edges the answers may support beyond the curated graph: candidates the cohort fit weighs (under
``CANDIDATE_EDGE_PRIOR``) and suggestions ranked by their fitted transfer, with evidence a curator can read.

Shapes: N answers, K concepts, C candidate edges (parent, child).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from knowledge.learner.data import Answers, concept_touches, edge_practice, learner_positions
from knowledge.learner.posterior import Posterior

# Prior scale of a candidate edge's weight (curated edges take their curator's weight): a suggestion must earn it.
CANDIDATE_EDGE_PRIOR = 0.3
# Evidence for an edge j -> k contrasts answers on k after this many right answers on j with the other answers on
# k: "after any practice" would be every answer where the course teaches j first.
EVIDENCE_RIGHT_ON_PARENT = 3


def edge_candidates(*, answers: Answers, edges: torch.Tensor, n_concepts: int, most: int = 20,
                    least_learners: int = 5) -> torch.Tensor:
    """Candidate prerequisite edges j -> k outside ``edges``: the ``most`` pairs that the most learners (at
    least ``least_learners``) answered j before they first answered k, shape (C, 2) (parent, child).

    "Before" goes by each learner's answer order (time, then row), as the chains do: answers stamped with the
    same time still come in the order they were given.
    """
    touches = concept_touches(answers)
    learner = answers.learner.numpy()
    n_learners = int(learner.max()) + 1 if len(learner) else 0
    position, _ = learner_positions(answers)
    first = np.full((n_learners, n_concepts), np.inf)  # (L, K) position of the first answer on an item with k
    np.minimum.at(first, (learner[touches.row], touches.concept), position[touches.row])
    answered = np.isfinite(first)
    before = np.stack([((first[:, j:j + 1] < first) & answered).sum(axis=0) for j in range(n_concepts)])  # (K, K)
    np.fill_diagonal(before, 0)
    if len(edges):
        before[edges[:, 0].numpy(), edges[:, 1].numpy()] = 0
    order = np.argsort(-before, axis=None, kind="stable")[:most]
    order = order[before.flat[order] >= least_learners]
    return torch.as_tensor(np.stack(np.unravel_index(order, before.shape), axis=-1), dtype=torch.long).reshape(-1, 2)


@dataclass(frozen=True)
class EdgeSuggestion:
    """A candidate edge parent -> child (concept indices); ``score`` is its fitted transfer rate gamma w_{jk}
    (logits per unit of the parent's practice anchor); ``evidence`` what a curator can read (``edge_suggestions``)."""

    parent: int
    child: int
    score: float
    evidence: dict


def edge_suggestions(*, posterior: Posterior, answers: Answers, candidates: torch.Tensor,
                     concept_names: list[str] | None = None) -> list[EdgeSuggestion]:
    """Score candidate edges (C, 2) that the cohort fit included (``Cohort.edges``), best first.

    Evidence per edge: the posterior median weight w and its 90 % credible interval, gamma, and the raw contrast
    on the child's answers: how often they were right once the learner had got the parent right
    ``EVIDENCE_RIGHT_ON_PARENT`` times, and otherwise (answers and learners counted), with a sentence naming the
    concepts by ``concept_names`` (else by index).
    """
    fitted = {tuple(edge): e for e, edge in enumerate(posterior.edges.tolist())}
    missing = [tuple(edge) for edge in candidates.tolist() if tuple(edge) not in fitted]
    if missing:
        raise ValueError(f"candidate edges {missing} were not part of the fit")
    n_concepts = len(posterior.concept_difficulty)
    practice = edge_practice(answers, candidates)
    mastered = practice.right >= EVIDENCE_RIGHT_ON_PARENT
    edge, row = practice.edge[mastered], practice.row[mastered]  # (M,) child answers after the parent was learned
    n_candidates = len(candidates)
    touches = concept_touches(answers)
    touched = torch.as_tensor(touches.concept)
    answers_on = torch.bincount(touched, minlength=n_concepts).float()  # (K,) answers on items with k
    right_on = torch.zeros(n_concepts).index_add_(0, touched, answers.correct[touches.row])  # (K,)
    after = torch.bincount(edge, minlength=n_candidates).float()  # (C,)
    right_after = torch.zeros(n_candidates).index_add_(0, edge, answers.correct[row])  # (C,)
    learner_pairs = torch.unique(edge * (int(answers.learner.max()) + 1) + answers.learner[row])
    learners_after = torch.bincount(learner_pairs // (int(answers.learner.max()) + 1), minlength=n_candidates)
    name = (lambda k: k) if concept_names is None else (lambda k: concept_names[k])  # noqa: E731
    suggestions = []
    for c, (j, k) in enumerate(candidates.tolist()):
        e = fitted[j, k]
        without = float(answers_on[k] - after[c])
        rate_after = float(right_after[c] / after[c]) if after[c] else None
        rate_without = float((right_on[k] - right_after[c]) / without) if without else None
        evidence = {"weight": float(posterior.edge_weight[e]), "weight_interval": posterior.edge_interval[e].tolist(),
                    "gamma": float(posterior.gamma), "answers_after_parent": int(after[c]),
                    "learners_after_parent": int(learners_after[c]), "right_after_parent": rate_after,
                    "answers_without_parent": int(without), "right_without_parent": rate_without}
        if rate_after is not None and rate_without is not None:
            evidence["summary"] = (f"learners who had got {name(j)} right {EVIDENCE_RIGHT_ON_PARENT}+ times got "
                                   f"{name(k)} right "
                                   f"{100 * (rate_after - rate_without):+.0f} points more often "
                                   f"(n={int(after[c])} answers by {int(learners_after[c])} learners)")
        suggestions.append(EdgeSuggestion(parent=j, child=k,
                                          score=float(posterior.gamma * posterior.edge_weight[e]), evidence=evidence))
    return sorted(suggestions, key=lambda s: -s.score)
