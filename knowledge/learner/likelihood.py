"""The cohort fit's likelihood: the practice anchors behind every answer and the chains' log-likelihood under the
Gaussian filter: the terms that do not depend on the filtered d for all answers at once, then the recursion along
every chain in one compiled pass. ``knowledge.learner.reference`` computes the same answer by answer.
"""

from __future__ import annotations

import math

import torch

from knowledge.learner.data import Answers, Chains, ConceptPractice, EdgePractice
from knowledge.learner.recursion import chain_recursion


def practice_anchor(right: torch.Tensor, wrong: torch.Tensor, learn_right: torch.Tensor,
                    learn_wrong: torch.Tensor) -> torch.Tensor:
    """a = beta^+ log(1 + right) + beta^- log(1 + wrong)."""
    return learn_right * torch.log1p(right) + learn_wrong * torch.log1p(wrong)


def practice_of_rows(n_rows: int, practice: ConceptPractice, *, learn_right: torch.Tensor,
                     learn_wrong: torch.Tensor) -> torch.Tensor:
    """a_n = mean over the concepts k of row n's item of a_{l_n,k}(t_n), for every answer row, shape (n_rows,)."""
    built = practice_anchor(practice.right, practice.wrong, learn_right.index_select(0, practice.concept),
                            learn_wrong.index_select(0, practice.concept))  # (T,)
    return torch.zeros(n_rows).index_add(0, practice.row, practice.share * built)


def transfer_of_rows(n_rows: int, practice: EdgePractice, *, learn_right: torch.Tensor, learn_wrong: torch.Tensor,
                     edge_weight: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """c_n = mean over the concepts k of row n's item of gamma sum_{edges j -> k} w_{jk} a_{l_n,j}(t_n), for every
    answer row, shape (n_rows,)."""
    built = practice_anchor(practice.right, practice.wrong, learn_right.index_select(0, practice.parent),
                            learn_wrong.index_select(0, practice.parent))  # (P,)
    weight = edge_weight.index_select(0, practice.edge)  # (P,)
    return gamma * torch.zeros(n_rows).index_add(0, practice.row, practice.share * weight * built)


def chain_log_likelihood(answers: Answers, chains: Chains, *, traits: torch.Tensor, difficulty: torch.Tensor,
                         learn_right: torch.Tensor, learn_wrong: torch.Tensor, general: torch.Tensor,
                         discrimination: torch.Tensor, fading_gain: torch.Tensor | None = None,
                         edge_weight: torch.Tensor | None = None, gamma: torch.Tensor | None = None,
                         recency: torch.Tensor | None = None, retry_guess: torch.Tensor | None = None
                         ) -> torch.Tensor:
    """sum_n log p(y_n | earlier answers of the same chain), given every learner's traits (L, 3) and mu_l, and each
    concept's discrimination kappa_k (K,).

    With ``fading_gain`` (K, 2) (delta_k^+, delta_k^-), each answer's fading gain on its main concept is added to d
    after it; with ``edge_weight`` (E,) and ``gamma``, the transfer along the edges ``chains`` was built with is
    added; with ``recency`` (2,) (eta^+, eta^-), the recency term h; with ``retry_guess`` f, a retry (see
    ``Answers.retries``) is right without the knowledge with chance f (``probit_absorb``'s guess).
    Everything that does not depend on the filtered d is computed for all N answers at once; the filter's
    recursion along each chain then runs in one compiled pass (``knowledge.learner.recursion``), so a step costs
    in proportion to the answers, not to the longest chain.
    """
    alpha = torch.exp(traits[:, 0])  # (L,)
    stationary = torch.exp(2 * traits[:, 2]) / (2 * alpha)  # (L,) s^2
    rows = chains.rows
    learner = answers.learner[rows]  # (N,)
    n = len(answers.correct)
    if n == 0:
        return torch.zeros(())
    built = practice_of_rows(n, chains.practice, learn_right=learn_right, learn_wrong=learn_wrong)  # (N,) by row
    if edge_weight is not None and len(chains.edge_practice.row):
        built = built + transfer_of_rows(n, chains.edge_practice, learn_right=learn_right, learn_wrong=learn_wrong,
                                         edge_weight=edge_weight, gamma=gamma)
    anchor = built.index_select(0, rows) + practice_anchor(chains.total_right_before, chains.total_wrong_before,
                                                           general[0], general[1])
    if recency is not None:
        anchor = anchor + recency[0] * chains.recent_right_before + recency[1] * chains.recent_wrong_before
    # (N,) E[z - b] apart from d; index_select, whose gradient is an index_add, rather than the slower x[index]
    level = traits[:, 1].index_select(0, learner) + anchor - difficulty.index_select(0, rows)
    sign = 2.0 * answers.correct[rows] - 1.0  # (N,)
    concept = answers.concept[rows]  # (N,)
    guess = torch.zeros(n) if retry_guess is None else torch.where(chains.retry, retry_guess, 0.0)  # (N,)
    gain = torch.zeros(n) if fading_gain is None else fading_gain.reshape(-1).index_select(
        0, 2 * concept + (sign < 0))  # (N,) delta_k^+ after a right answer, delta_k^- after a wrong one
    decay = torch.where(chains.first, 0.0, torch.exp(-alpha.index_select(0, learner) * chains.gap))  # (N,) r
    renew = stationary.index_select(0, learner) * (1.0 - decay * decay)  # (N,) s^2 (1 - r^2); s^2 where r = 0
    scores = chain_recursion(level, sign, discrimination.index_select(0, concept), gain, guess, decay, renew)
    # log p(y_n | earlier), floored at log 1e-6 so that one surprising answer cannot dominate
    return scores.clamp(min=math.log(1e-6)).sum()
