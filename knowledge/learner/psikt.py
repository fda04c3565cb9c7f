r"""PSI-KT style continuous-time knowledge tracing, written from the model's equations, in pyro.

Generative model (learner l, concept k, item i, answers n in time order):

    traits     s_l = (log alpha_l, mu_l, log sigma_l) ~ N(trait_loc, diag trait_scale^2)
    knowledge  z_{l,k}(t) = mu~_{l,k}(t) + h_l(t) + d_{l,k}(t),   mu~_{l,k} = mu_l + a_{l,k}(t) + c_{l,k}(t)
    practice   a_{l,k} = beta_k^+ log(1 + right on k so far) + beta_k^- log(1 + wrong on k so far)
                         + g^+ log(1 + right on anything so far) + g^- log(1 + wrong on anything so far):
               what practice has built, on k and in general, with diminishing returns (the power law of
               practice); beta_k^{+-} ~ N(beta^{+-}, 0.2^2) share a course-wide mean
    transfer   c_{l,k} = gamma sum_{j in pa(k)} w_{jk} (beta_j^+ log(1 + right on j so far)
                                                         + beta_j^- log(1 + wrong on j so far)):
               what practice has built on the prerequisites j -> k of the course graph carries over to k;
               w_{jk} ~ HalfNormal(w0_{jk}) with w0 the curator's weight of the edge (a smaller scale for
               candidate edges outside the graph), so edges the answers do not support shrink towards 0;
               gamma ~ HalfNormal(1) is the course-wide transfer rate
    recency    h_l = eta^+ sum_{m<n} rho^(n-1-m) [y_m right] + eta^- sum_{m<n} rho^(n-1-m) [y_m wrong] over the
               learner's earlier answers m on any concept, rho = ``RECENCY_DECAY`` per answer: how the learner is
               doing just now (a problem going well or badly), which the next few answers replace;
               eta^{+-} ~ N(0, 0.3^2). It fades by answers, not by time, so it needs no timestamps
    forgetting d_{l,k} is an Ornstein-Uhlenbeck process in real elapsed time towards 0: with r = exp(-alpha_l dt)
               d(t + dt) | d(t) ~ N(r d(t), s_l^2 (1 - r^2)),   s_l^2 = sigma_l^2 / (2 alpha_l)  (stationary variance)
               and d_{l,k} starts from its stationary law N(0, s_l^2) at the learner's first answer on k
    fading     each answer on k adds delta_k^+ (right) or delta_k^- (wrong) to d_{l,k} just after it: the part
    gain       of practice's gain that forgetting takes back, at the learner's own rate alpha_l, while a keeps the
               lasting part; delta_k^{+-} ~ N(delta^{+-}, 0.2^2) share a course-wide mean, delta^{+-} ~ N(0, 0.5^2),
               so the answers decide the split
    answers    y_n ~ Bernoulli(sigmoid(kappa_{k_n} (z_{l_n,k_n}(t_n) - b_{i_n}))),   b_i ~ N(b_{k(i)}, item_spread^2)
               with log kappa_k ~ N(0, 0.3^2) the discrimination of concept k's items (as in 2PL item response
               theory): how sharply they separate learners who know k from learners who do not
    several    an item i with concepts S_i (main concept k_i, the one its answers are chiefly evidence about,
               whose discrimination they have)
    concepts   combines them: in z the anchors a + c are averaged over S_i,
                   z_{l,i}(t) = mu_l + (1/|S_i|) sum_{k in S_i} (a_{l,k} + c_{l,k})(t) + h_l(t) + d_{l,k_i}(t),
               (the general term of a is the same for every k), and an answer counts as practice on every k in
               S_i; d stays the main concept's (one Gaussian per chain, so the filter below is unchanged; see
               ``Answers.concepts``)

So the long-term mean of concept k is mu~_{l,k}: the learner's level plus what practice has built on k and
on its prerequisites (PSI-KT's mu + gamma (mean of prerequisite knowledge), with the prerequisites' knowledge
read through their practice anchors, which are known given the counts: the filter stays one Gaussian per
chain, and a cycle among candidate edges is harmless). What answers show beyond that (a good or a bad day,
a burst of insight, a lapse) and the fresh gain of the latest practice live in d, which the rate alpha_l pulls
back over time (forgetting) and sigma_l lets wander.

Inference. The knowledge paths are integrated out by a Gaussian filter (assumed-density filtering):
between answers the OU transition is exact; an answer is absorbed by moment matching, with the logistic
curve matched by a probit (see ``answer_update``). The
filter's one-step-ahead predictive probabilities give an approximate marginal likelihood

    log p(y | s, b, beta) ~= sum_n log p(y_n | y_{<n}),

which pyro's SVI maximises (ELBO with a mean-field Gaussian guide over traits, item and concept
parameters and the population prior). For a learner the cohort fit has not seen, mu_l is part of the
filter's state instead (started at the population prior and updated with every answer), and alpha, sigma
take the population means: the same filter then runs online, one answer at a time. Its belief is joint: an
answer on k is evidence about mu_l + d_{l,k}, so it leaves mu_l and d_{l,k} correlated, and the filter keeps each
d_{l,k} as a Gaussian given mu_l (``FilterState``) so that many answers on one concept do not count as
independent evidence about the level. A learner the fit has seen
can run with its fitted traits instead (``traits``): mu_l is then fixed and the filter's likelihood is the fit's.

Transfer is course-wide (gamma), not a fourth learner trait: a learner's transfer shows only on answers to a
concept after practice on its prerequisites, and gamma_l w_{jk} is a product whose per-learner factor the
cohort's answers (a few hundred per learner) cannot tell from mu_l and the general practice term g.

Edge suggestions. The cohort fit weighs candidate edges outside the graph beside the curated ones, each under
the same sparse prior family (``edge_candidates`` proposes the pairs many learners practised in that order);
``edge_suggestions`` ranks candidates by their fitted transfer gamma w_{jk}, with the weight's credible
interval and the raw contrast on the child's answers as evidence.

Shapes: N answers, L learners, I items, K concepts, E edges (parent, child); chains are (learner, concept)
pairs; the chain likelihood is vectorised over every chain's r-th answer at once (a loop over ranks, not over learners).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro.infer import SVI, Trace_ELBO
from pyro.infer.autoguide import AutoNormal
from pyro.optim import ClippedAdam
from scipy.signal import lfilter
from tqdm.auto import tqdm

TRAIT_NAMES = ("log_alpha", "mu", "log_sigma")
# Prior centre of the traits: forgetting on a scale of days, level near the middle, moderate wandering.
TRAIT_PRIOR_LOC = torch.tensor([math.log(0.2), 0.0, math.log(0.5)])
# Prior scale of a candidate edge's weight (curated edges take their curator's weight): a suggestion must earn it.
CANDIDATE_EDGE_PRIOR = 0.3
# Evidence for an edge j -> k contrasts answers on k after this many right answers on j with the other answers on
# k: "after any practice" would be every answer where the course teaches j first.
EVIDENCE_RIGHT_ON_PARENT = 3
# SVI's step size shrinks by this factor at every step, tenfold over 1000 steps: with a constant step the one-sample
# ELBO gradients keep the posterior wandering around the optimum (the valid loss zigzags from check to check).
STEP_SIZE_DECAY = 0.1 ** (1 / 1000)
# rho of the recency term h_l: an answer weighs half as much after each later answer. On the dev seed, 0.8 did no
# better on assist2017 (next-step AUC 0.7599 against 0.7598) and worse on algebra2005 (0.8290 against 0.8296).
RECENCY_DECAY = 0.5

PROBIT_SLOPE = math.sqrt(math.pi / 8)  # Phi(lambda x) ~= sigmoid(x): the logistic answer curve, in probit form


def ou_predict(mean: torch.Tensor, variance: torch.Tensor, dt: torch.Tensor, alpha: torch.Tensor,
               stationary: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Carry N(mean, variance) of d forward by dt under the OU process towards 0:
    r = exp(-alpha dt);  mean <- r mean;  variance <- r^2 variance + stationary (1 - r^2)."""
    r = torch.exp(-alpha * dt)
    return r * mean, r * r * variance + stationary * (1.0 - r * r)


def probit_absorb(m: torch.Tensor, v: torch.Tensor, sign: torch.Tensor,
                  discrimination: torch.Tensor) -> tuple[torch.Tensor, ...]:
    r"""One answer on u = z - b ~ N(m, v) with P(correct) = sigmoid(kappa u), the logistic curve matched by a probit,
    sigmoid(x) ~= Phi(lambda x) with lambda^2 = pi / 8, so that the posterior moments are exact for it
    (assumed-density filtering). With s = +1 for a right answer and -1 for a wrong one, and the probit's slope on u
    written q = lambda kappa:

        c = s q m / sqrt(1 + q^2 v),    P(this answer) = Phi(c)
        g = phi(c) / Phi(c)
        m' - m = s q v g / sqrt(1 + q^2 v)                       (shift)
        1 - v' / v = q^2 v / (1 + q^2 v) g (c + g)               (shrink)

    Returns (c, shift, shrink).
    """
    slope = PROBIT_SLOPE * discrimination
    spread = torch.sqrt(1.0 + slope * slope * v)
    c = sign * slope * m / spread
    g = torch.exp(-0.5 * c * c - 0.5 * math.log(2 * math.pi) - torch.special.log_ndtr(c))
    shift = sign * slope * v * g / spread
    shrink = slope * slope * v / (spread * spread) * g * (c + g)
    return c, shift, shrink


def answer_moments(level_mean: torch.Tensor, level_var: torch.Tensor, offset: torch.Tensor, coupling: torch.Tensor,
                   variance: torch.Tensor, difficulty: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of u = mu + d - b, with mu ~ N(level_mean, level_var) and d | mu ~ N(offset + coupling mu,
    variance): u = (1 + coupling) mu + e + offset - b with e ~ N(0, variance) independent of mu."""
    loading = 1.0 + coupling
    return loading * level_mean + offset - difficulty, loading * loading * level_var + variance


def answer_update(level_mean: torch.Tensor, level_var: torch.Tensor, offset: torch.Tensor, coupling: torch.Tensor,
                  variance: torch.Tensor, difficulty: torch.Tensor, discrimination: torch.Tensor,
                  correct: torch.Tensor) -> tuple[torch.Tensor, ...]:
    r"""Absorb one answer on z = mu + d, with mu ~ N(level_mean, level_var) and d | mu ~ N(offset + coupling mu,
    variance), P(correct) = sigmoid(kappa (z - b)).

    Write d = offset + c mu + e with e ~ N(0, v_e) independent of mu (c the coupling, v_e the variance). Then
    u = z - b = (1 + c) mu + e + offset - b ~ N(m, v) (``answer_moments``), and ``probit_absorb`` gives the
    moments of u after the answer. mu and e move by
    their covariances with u (assumed-density filtering of the pair (mu, e), exact for a Gaussian u):

        level_mean' = level_mean + (1 + c) level_var / v shift
        level_var'  = level_var - (1 + c)^2 level_var^2 / v shrink
        e_mean' = v_e / v shift,   e_var' = v_e - v_e^2 / v shrink,   Cov(mu, e)' = -(1 + c) level_var v_e / v shrink

    and d | mu is read off the updated pair by regression on mu: with g = Cov(mu, e)' / level_var',

        coupling' = c + g,   offset' = offset + e_mean' - g level_mean',   variance' = e_var' - g Cov(mu, e)'.

    So an answer on k leaves mu and d_k correlated: what it says about the pair is not counted twice when the
    learner answers k again, and the other concepts' d_j | mu are untouched (they share only mu with this answer).
    With level_var = 0 (a fitted mu) the coupling stays 0 and d alone moves.

    Returns P(correct) = Phi(lambda kappa m / sqrt(1 + lambda^2 kappa^2 v)) and the updated
    (level_mean, level_var, offset, coupling, variance).
    """
    loading = 1.0 + coupling
    m, v = answer_moments(level_mean, level_var, offset, coupling, variance, difficulty)
    sign = 2.0 * correct - 1.0
    c, shift, shrink = probit_absorb(m, v, sign, discrimination)
    new_level_mean = level_mean + loading * level_var / v * shift
    new_level_var = level_var - (loading * level_var) ** 2 / v * shrink
    cross = -loading * level_var * variance / v * shrink  # Cov(mu, e) after the answer
    regression = torch.where(new_level_var > 0, cross / new_level_var.clamp(min=1e-12), 0.0)
    return (
        torch.special.ndtr(sign * c),
        new_level_mean,
        new_level_var,
        offset + variance / v * shift - regression * new_level_mean,
        coupling + regression,
        variance - variance * variance / v * shrink - regression * cross,
    )


@dataclass(frozen=True)
class Answers:
    """Answers in time order per learner, as tensors. ``time`` is in days (or interaction steps).

    ``concept`` is each answer's main concept (its knowledge path d answers for the item); ``concepts``, when an
    item has several, lists them all per row, distinct, padded with -1, the main one first. ``None``: every item
    has its main concept only.
    """

    learner: torch.Tensor  # (N,) long
    item: torch.Tensor  # (N,) long
    concept: torch.Tensor  # (N,) long
    time: torch.Tensor  # (N,) float
    correct: torch.Tensor  # (N,) float 0/1
    concepts: torch.Tensor | None = None  # (N, M) long, -1 padded; concepts[:, 0] == concept

    def __post_init__(self) -> None:
        if self.concepts is not None and (self.concepts.dim() != 2 or len(self.concepts) != len(self.concept)
                                          or not torch.equal(self.concepts[:, 0], self.concept)):
            raise ValueError("concepts must be (N, M) with each row's main concept first")

    def concept_sets(self) -> torch.Tensor:
        """(N, M) every concept of each row, -1 padded (M = 1 when items have one concept)."""
        return concept_sets_of(self.concept, self.concepts)


def concept_sets_of(concept: torch.Tensor, concepts: torch.Tensor | None) -> torch.Tensor:
    """``concepts`` (B, M), or the main ``concept`` (B,) as the only one when there are no others."""
    return concept[:, None] if concepts is None else concepts


def concept_sets_pad(sets: list[list[int]]) -> torch.Tensor:
    """Concept lists (main first) as the (N, M) tensor of ``Answers.concepts``, -1 padded."""
    width = max((len(concepts) for concepts in sets), default=1)
    return torch.tensor([concepts + [-1] * (width - len(concepts)) for concepts in sets], dtype=torch.long).reshape(
        len(sets), width)


@dataclass(frozen=True)
class Touches:
    """Each (answer row, concept of its item) pair, rows in increasing order; ``share`` = 1 / the item's number of
    concepts, the weight of the concept in the item's combined practice (see ``concept_practice``)."""

    row: np.ndarray  # (T,) int64
    concept: np.ndarray  # (T,) int64
    share: np.ndarray  # (T,) float64


def concept_touches(answers: Answers) -> Touches:
    sets = answers.concept_sets().numpy()
    present = sets >= 0
    row, _ = np.nonzero(present)
    return Touches(row=row, concept=sets[present], share=1.0 / present.sum(axis=1)[row])


def learner_positions(answers: Answers) -> tuple[np.ndarray, np.ndarray]:
    """(position of each row in its learner's time order, position of the learner's first row), both (N,).
    Answers stamped with the same time keep their row order."""
    n = len(answers.correct)
    learner = answers.learner.numpy()
    by_learner = np.lexsort((answers.time.numpy(), learner))
    position = np.empty(n, dtype=np.int64)
    position[by_learner] = np.arange(n)
    new_learner = np.r_[True, learner[by_learner][1:] != learner[by_learner][:-1]] if n else np.zeros(0, bool)
    first = np.empty(n, dtype=np.int64)
    first[by_learner] = np.maximum.accumulate(np.where(new_learner, np.arange(n), 0)) if n else []
    return position, first


@dataclass(frozen=True)
class ConceptPractice:
    """For every (answer row, concept of its item) pair: the learner's right and wrong answers before the row on
    items with that concept, and the concept's share of the item (``Touches``)."""

    row: torch.Tensor  # (T,) long
    concept: torch.Tensor  # (T,) long
    share: torch.Tensor  # (T,) float
    right: torch.Tensor  # (T,) float
    wrong: torch.Tensor  # (T,) float


def concept_practice(answers: Answers) -> ConceptPractice:
    """Count each learner's earlier answers per concept, over every concept of every item answered."""
    touches = concept_touches(answers)
    position, _ = learner_positions(answers)
    learner = answers.learner.numpy()[touches.row]
    correct = answers.correct.numpy().astype(np.float64)[touches.row]
    order = np.lexsort((position[touches.row], touches.concept, learner))  # each (learner, concept) in time order
    key = learner[order] * (int(touches.concept.max(initial=0)) + 1) + touches.concept[order]
    start = np.maximum.accumulate(np.where(np.r_[True, key[1:] != key[:-1]], np.arange(len(order)), 0))
    right_inclusive = np.cumsum(correct[order])
    right_before, answered_before = np.empty(len(order)), np.empty(len(order))
    right_before[order] = right_inclusive - correct[order] - (right_inclusive - correct[order])[start]
    answered_before[order] = np.arange(len(order)) - start
    return ConceptPractice(row=torch.as_tensor(touches.row), concept=torch.as_tensor(touches.concept),
                           share=torch.as_tensor(touches.share, dtype=torch.float32),
                           right=torch.as_tensor(right_before, dtype=torch.float32),
                           wrong=torch.as_tensor(answered_before - right_before, dtype=torch.float32))


@dataclass(frozen=True)
class EdgePractice:
    """Sparse (answer row, edge) table: for each answer on an item with the edge's child, the learner's earlier
    answers on items with the parent, and the child's share of the item (``Touches``). Pairs with no earlier
    answer on the parent are left out (they carry no transfer)."""

    row: torch.Tensor  # (P,) long: the answer row, on the edge's child
    edge: torch.Tensor  # (P,) long
    parent: torch.Tensor  # (P,) long: the edge's parent concept
    right: torch.Tensor  # (P,) float: right answers on the parent before the row
    wrong: torch.Tensor  # (P,) float
    share: torch.Tensor  # (P,) float: the child's share of the row's item


def _no_edge_practice() -> EdgePractice:
    empty = torch.empty(0, dtype=torch.long)
    return EdgePractice(row=empty, edge=empty, parent=empty, right=torch.empty(0), wrong=torch.empty(0),
                        share=torch.empty(0))


def edge_practice(answers: Answers, edges: torch.Tensor) -> EdgePractice:
    """Count, for every answer on an edge's child, the same learner's right and wrong answers on the parent before it.

    Per edge, the parent's touches and the child's touches (each sorted by their row's position in the learner's
    time order) meet by binary search, so the cost is O(answers on the two concepts), never (answers x edges).
    An item with both concepts is not practice on the parent before itself: only earlier rows count.
    """
    if len(answers.correct) == 0 or len(edges) == 0:
        return _no_edge_practice()
    touches = concept_touches(answers)
    position, first = learner_positions(answers)
    touch_position = position[touches.row]
    correct = answers.correct.numpy().astype(np.float64)[touches.row]
    by_concept = np.lexsort((touch_position, touches.concept))
    n_concepts = max(int(touches.concept.max()), int(edges.max())) + 1
    bounds = np.searchsorted(touches.concept[by_concept], np.arange(n_concepts + 1))
    found = {"rows": [], "edges": [], "parents": [], "rights": [], "counts": [], "shares": []}
    for e, (j, k) in enumerate(edges.tolist()):
        parent_touches = by_concept[bounds[j]:bounds[j + 1]]
        child_touches = by_concept[bounds[k]:bounds[k + 1]]
        if len(parent_touches) == 0 or len(child_touches) == 0:
            continue
        right_so_far = np.r_[0.0, np.cumsum(correct[parent_touches])]
        child_rows = touches.row[child_touches]
        before = np.searchsorted(touch_position[parent_touches], position[child_rows])
        since = np.searchsorted(touch_position[parent_touches], first[child_rows])
        count = before - since
        keep = count > 0
        for name, value in (("rows", child_rows), ("edges", np.full(len(keep), e)), ("parents", np.full(len(keep), j)),
                            ("rights", right_so_far[before] - right_so_far[since]), ("counts", count),
                            ("shares", touches.share[child_touches])):
            found[name].append(value[keep])
    if not found["rows"]:
        return _no_edge_practice()
    table = {name: np.concatenate(values) for name, values in found.items()}
    return EdgePractice(row=torch.as_tensor(table["rows"], dtype=torch.long),
                        edge=torch.as_tensor(table["edges"], dtype=torch.long),
                        parent=torch.as_tensor(table["parents"], dtype=torch.long),
                        right=torch.as_tensor(table["rights"], dtype=torch.float32),
                        wrong=torch.as_tensor(table["counts"] - table["rights"], dtype=torch.float32),
                        share=torch.as_tensor(table["shares"], dtype=torch.float32))


@dataclass(frozen=True)
class Chains:
    """The answers regrouped by (learner, main concept) chain and by rank within the chain, as flat rank-major
    tensors.

    ``rows`` (N,) lists the answer rows rank by rank: first every chain's first answer, then every second answer,
    and so on; ``rank_sizes[r]`` is how many rows have rank r. Aligned with ``rows``: ``total_right_before`` /
    ``total_wrong_before``, the learner's answers on any concept before each row. For ranks r >= 1,
    ``previous[r]`` is the position of each row's predecessor within rank r - 1, and ``gap`` (N - rank_sizes[0],)
    the time since it. ``recent_right_before`` / ``recent_wrong_before``: the learner's earlier answers on any
    concept, each weighted by RECENCY_DECAY^(answers since), the sums of the recency term h. ``practice``: the
    practice on each of the item's concepts behind each answer; ``edge_practice``: on their prerequisites (empty
    without edges, and then transfer costs nothing).
    """

    rows: torch.Tensor  # (N,) long
    rank_sizes: list[int]
    previous: list[torch.Tensor]  # previous[0] is empty
    gap: torch.Tensor  # (N - rank_sizes[0],)
    total_right_before: torch.Tensor  # (N,)
    total_wrong_before: torch.Tensor  # (N,)
    recent_right_before: torch.Tensor  # (N,)
    recent_wrong_before: torch.Tensor  # (N,)
    practice: ConceptPractice
    edge_practice: EdgePractice = field(default_factory=_no_edge_practice)

    @property
    def ranks(self) -> tuple[torch.Tensor, ...]:
        """The rows of each rank."""
        return torch.split(self.rows, self.rank_sizes)


def chains_build(answers: Answers, *, edges: torch.Tensor | None = None) -> Chains:
    """Regroup the answers by chain and rank; count the practice on each answer's concepts and, with ``edges``
    (E, 2) (parent, child), on their prerequisites (see ``concept_practice`` and ``edge_practice``)."""
    learner, concept, time = answers.learner.numpy(), answers.concept.numpy(), answers.time.numpy()
    order = np.lexsort((time, concept, learner))  # rows of each chain together, in time order
    chain_key = learner[order].astype(np.int64) * (int(concept.max(initial=0)) + 1) + concept[order]
    new_chain = np.r_[True, chain_key[1:] != chain_key[:-1]]
    chain_start = np.maximum.accumulate(np.where(new_chain, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - chain_start
    position, first = learner_positions(answers)
    right = answers.correct.numpy().astype(np.float64)
    right_in_order = np.empty(len(order))
    right_in_order[position] = right
    right_before_in_order = np.cumsum(right_in_order) - right_in_order
    total_right = right_before_in_order[position] - right_before_in_order[first]  # (N,) by row
    total_answers = position - first
    recent_right, recent_wrong = (recent_sums(values, position, first) for values in (right, 1.0 - right))
    by_rank = np.argsort(rank, kind="stable")  # positions in ``order``, rank-major, chains in the same order per rank
    rank_sizes = np.bincount(rank).tolist() if len(rank) else []
    position_in_rank = np.empty(len(order), dtype=np.int64)
    position_in_rank[by_rank] = np.concatenate([np.arange(size) for size in rank_sizes]) if rank_sizes else []
    later = by_rank[rank[by_rank] > 0]  # positions of rows with a predecessor, rank-major
    previous = [torch.empty(0, dtype=torch.long)]
    previous += list(torch.split(torch.as_tensor(position_in_rank[later - 1]), rank_sizes[1:]))
    rows = order[by_rank]
    return Chains(
        rows=torch.as_tensor(rows), rank_sizes=rank_sizes, previous=previous,
        gap=torch.as_tensor(np.maximum(time[order[later]] - time[order[later - 1]], 0.0)).float(),
        total_right_before=torch.as_tensor(total_right[rows], dtype=torch.float32),
        total_wrong_before=torch.as_tensor(total_answers[rows] - total_right[rows], dtype=torch.float32),
        recent_right_before=torch.as_tensor(recent_right[rows], dtype=torch.float32),
        recent_wrong_before=torch.as_tensor(recent_wrong[rows], dtype=torch.float32),
        practice=concept_practice(answers),
        edge_practice=_no_edge_practice() if edges is None else edge_practice(answers, edges),
    )


def recent_sums(values: np.ndarray, position: np.ndarray, first: np.ndarray) -> np.ndarray:
    """sum_{m<n} rho^(n-1-m) values_m over each row's earlier rows of the same learner, rho = RECENCY_DECAY, shape
    (N,) by row; ``position`` and ``first`` as ``learner_positions`` gives them.

    One recursion h_{n+1} = rho h_n + values_n runs over all learners' rows laid end to end (``lfilter``); what the
    learners before leave at a learner's first row then fades by rho per row and is taken off."""
    in_order = np.empty(len(values))
    in_order[position] = values
    through = lfilter([1.0], [1.0, -RECENCY_DECAY], in_order)  # sums up to and including each row
    before = np.r_[0.0, through[:-1]]
    return before[position] - before[first] * RECENCY_DECAY ** (position - first).astype(np.float64)


def practice_anchor(right: torch.Tensor, wrong: torch.Tensor, learn_right: torch.Tensor,
                    learn_wrong: torch.Tensor) -> torch.Tensor:
    """a = beta^+ log(1 + right) + beta^- log(1 + wrong)."""
    return learn_right * torch.log1p(right) + learn_wrong * torch.log1p(wrong)


def practice_of_rows(n_rows: int, practice: ConceptPractice, *, learn_right: torch.Tensor,
                     learn_wrong: torch.Tensor) -> torch.Tensor:
    """a_n = mean over the concepts k of row n's item of a_{l_n,k}(t_n), for every answer row, shape (n_rows,)."""
    built = practice_anchor(practice.right, practice.wrong, learn_right[practice.concept],
                            learn_wrong[practice.concept])  # (T,)
    return torch.zeros(n_rows).index_add(0, practice.row, practice.share * built)


def transfer_of_rows(n_rows: int, practice: EdgePractice, *, learn_right: torch.Tensor, learn_wrong: torch.Tensor,
                     edge_weight: torch.Tensor, gamma: torch.Tensor) -> torch.Tensor:
    """c_n = mean over the concepts k of row n's item of gamma sum_{edges j -> k} w_{jk} a_{l_n,j}(t_n), for every
    answer row, shape (n_rows,)."""
    built = practice_anchor(practice.right, practice.wrong, learn_right[practice.parent],
                            learn_wrong[practice.parent])  # (P,)
    return gamma * torch.zeros(n_rows).index_add(0, practice.row, practice.share * edge_weight[practice.edge] * built)


def chain_log_likelihood(answers: Answers, chains: Chains, *, traits: torch.Tensor, difficulty: torch.Tensor,
                         learn_right: torch.Tensor, learn_wrong: torch.Tensor, general: torch.Tensor,
                         discrimination: torch.Tensor, fading_gain: torch.Tensor | None = None,
                         edge_weight: torch.Tensor | None = None, gamma: torch.Tensor | None = None,
                         recency: torch.Tensor | None = None) -> torch.Tensor:
    """sum_n log p(y_n | earlier answers of the same chain), given every learner's traits (L, 3) and mu_l, and each
    concept's discrimination kappa_k (K,).

    With ``fading_gain`` (K, 2) (delta_k^+, delta_k^-), each answer's fading gain on its main concept is added to d
    after it; with ``edge_weight`` (E,) and ``gamma``, the transfer along the edges ``chains`` was built with is
    added; with ``recency`` (2,) (eta^+, eta^-), the recency term h.
    Everything that does not depend on the filtered d is computed for all N answers at once; the loop over
    ranks carries only the filter's recursion, since its per-rank cost is what a long tail of ranks (a few
    learners answering one concept hundreds of times) multiplies.
    """
    alpha = torch.exp(traits[:, 0])  # (L,)
    stationary = torch.exp(2 * traits[:, 2]) / (2 * alpha)  # (L,) s^2
    rows = chains.rows
    learner = answers.learner[rows]  # (N,)
    n = len(answers.correct)
    built = practice_of_rows(n, chains.practice, learn_right=learn_right, learn_wrong=learn_wrong)  # (N,) by row
    if edge_weight is not None and len(chains.edge_practice.row):
        built = built + transfer_of_rows(n, chains.edge_practice, learn_right=learn_right, learn_wrong=learn_wrong,
                                         edge_weight=edge_weight, gamma=gamma)
    anchor = built[rows] + practice_anchor(chains.total_right_before, chains.total_wrong_before, general[0],
                                           general[1])
    if recency is not None:
        anchor = anchor + recency[0] * chains.recent_right_before + recency[1] * chains.recent_wrong_before
    level = traits[learner, 1] + anchor - difficulty[rows]  # (N,) E[z - b] apart from d
    sign = 2.0 * answers.correct[rows] - 1.0  # (N,)
    concept = answers.concept[rows]  # (N,)
    kappa = discrimination[concept]  # (N,)
    gain = torch.zeros(n)  # (N,)
    if fading_gain is not None:
        gain = torch.where(sign > 0, *fading_gain[concept].unbind(-1))
    first = chains.rank_sizes[0] if chains.rank_sizes else 0
    later = learner[first:]
    decay = torch.exp(-alpha[later] * chains.gap)  # (N - first,) r = exp(-alpha dt)
    kept = decay * decay
    renewed = stationary[later] * (1.0 - kept)  # (N - first,) s^2 (1 - r^2)
    levels, signs = torch.split(level, chains.rank_sizes), torch.split(sign, chains.rank_sizes)
    gains, kappas = torch.split(gain, chains.rank_sizes), torch.split(kappa, chains.rank_sizes)
    decays = (None, *torch.split(decay, chains.rank_sizes[1:]))
    keeps = (None, *torch.split(kept, chains.rank_sizes[1:]))
    renewals = (None, *torch.split(renewed, chains.rank_sizes[1:]))
    scores = []
    mean = variance = None
    for r in range(len(chains.rank_sizes)):
        if r == 0:
            mean, variance = torch.zeros(first), stationary[learner[:first]]
        else:  # the OU transition from the chain's previous answer (``ou_predict``)
            before = chains.previous[r]
            mean = decays[r] * mean[before]
            variance = torch.addcmul(renewals[r], keeps[r], variance[before])
        score, shift, shrink = probit_absorb(levels[r] + mean, variance, signs[r], kappas[r])
        scores.append(score)
        mean = mean + shift + gains[r]
        variance = variance * (1.0 - shrink)
    if not scores:
        return torch.zeros(())
    # log p(y_n | earlier) = log Phi(c_n); floored at log 1e-6 so that one surprising answer cannot dominate
    return torch.special.log_ndtr(torch.cat(scores)).clamp(min=math.log(1e-6)).sum()


@dataclass(frozen=True)
class Cohort:
    """What the cohort fit sees: answers plus each item's concept and the id-space sizes."""

    answers: Answers
    item_concept: torch.Tensor  # (I,) long: the concept an item's difficulty is centred on
    n_learners: int
    n_items: int
    n_concepts: int
    edges: torch.Tensor | None = None  # (E, 2) long (parent, child): curated edges, then any candidates
    edge_prior: torch.Tensor | None = None  # (E,) prior scale w0 of each edge's weight (default 1)


def model(cohort: Cohort, chains: Chains) -> None:
    """PSI-KT generative model with the knowledge paths filtered out (see the module docstring)."""
    trait_loc = pyro.sample("trait_loc", dist.Normal(TRAIT_PRIOR_LOC, 1.0).to_event(1))  # (3,)
    trait_scale = pyro.sample("trait_scale", dist.HalfNormal(torch.ones(3)).to_event(1))  # (3,)
    learn_loc = pyro.sample("learn_loc", dist.Normal(torch.tensor([0.2, 0.1]), 0.5).to_event(1))  # (2,) right, wrong
    general = pyro.sample("general", dist.Normal(torch.zeros(2), 0.3).to_event(1))  # (2,) right, wrong
    fading_loc = pyro.sample("fading_loc", dist.Normal(torch.zeros(2), 0.5).to_event(1))  # (2,) right, wrong
    recency = pyro.sample("recency", dist.Normal(torch.zeros(2), 0.3).to_event(1))  # (2,) eta^+, eta^-
    with pyro.plate("concepts", cohort.n_concepts):
        concept_difficulty = pyro.sample("concept_difficulty", dist.Normal(0.0, 1.5))  # (K,)
        learn_right = pyro.sample("learn_right", dist.Normal(learn_loc[0], 0.2))  # (K,)
        learn_wrong = pyro.sample("learn_wrong", dist.Normal(learn_loc[1], 0.2))  # (K,)
        fading_gain = pyro.sample("fading_gain", dist.Normal(fading_loc, 0.2).to_event(1))  # (K, 2) right, wrong
        log_discrimination = pyro.sample("log_discrimination", dist.Normal(0.0, 0.3))  # (K,)
    item_spread = pyro.sample("item_spread", dist.HalfNormal(1.0))
    with pyro.plate("items", cohort.n_items):
        item_difficulty = pyro.sample("item_difficulty",
                                      dist.Normal(concept_difficulty[cohort.item_concept], item_spread))  # (I,)
    with pyro.plate("learners", cohort.n_learners):
        traits = pyro.sample("traits", dist.Normal(trait_loc, trait_scale).to_event(1))  # (L, 3)
    edge_weight = gamma = None
    if cohort.edges is not None and len(cohort.edges):
        prior = torch.ones(len(cohort.edges)) if cohort.edge_prior is None else cohort.edge_prior
        gamma = pyro.sample("gamma", dist.HalfNormal(1.0))
        with pyro.plate("edges", len(cohort.edges)):
            edge_weight = pyro.sample("edge_weight", dist.HalfNormal(prior))  # (E,)
    answers = cohort.answers
    pyro.factor("answers", chain_log_likelihood(answers, chains, traits=traits,
                                                difficulty=item_difficulty[answers.item],
                                                learn_right=learn_right, learn_wrong=learn_wrong, general=general,
                                                discrimination=torch.exp(log_discrimination), fading_gain=fading_gain,
                                                edge_weight=edge_weight, gamma=gamma, recency=recency))


@dataclass(frozen=True)
class Posterior:
    """Posterior medians of everything the online filter needs; without edges, transfer is off (gamma 0)."""

    trait_loc: torch.Tensor  # (3,)
    trait_scale: torch.Tensor  # (3,)
    traits: torch.Tensor  # (L, 3) learners of the cohort
    item_difficulty: torch.Tensor  # (I,)
    concept_difficulty: torch.Tensor  # (K,)
    learn_right: torch.Tensor  # (K,)
    learn_wrong: torch.Tensor  # (K,)
    fading_gain: torch.Tensor  # (K, 2) delta_k^+ after a right answer, delta_k^- after a wrong one
    discrimination: torch.Tensor  # (K,) kappa_k
    general: torch.Tensor  # (2,) general practice coefficients, right and wrong
    item_seen: torch.Tensor  # (I,) bool: items the cohort answered (others take their concept's difficulty)
    edges: torch.Tensor = field(default_factory=lambda: torch.empty(0, 2, dtype=torch.long))  # (E, 2) parent, child
    edge_weight: torch.Tensor = field(default_factory=lambda: torch.empty(0))  # (E,) w_{jk}
    edge_interval: torch.Tensor = field(default_factory=lambda: torch.empty(0, 2))  # (E, 2) 90 % credible interval
    gamma: torch.Tensor = field(default_factory=lambda: torch.tensor(0.0))  # () transfer rate
    recency: torch.Tensor = field(default_factory=lambda: torch.zeros(2))  # (2,) eta^+, eta^- of the recency term


def cohort_fit(cohort: Cohort, *, steps: int = 300, learning_rate: float = 0.03, seed: int = 0,
               progress: bool = True, on_step: Callable[[int, int], None] | None = None,
               validate: Callable[[Posterior, int], float] | None = None, validate_every: int = 50,
               validate_from: int = 0, patience: int = 2) -> Posterior:
    """SVI over the cohort; returns posterior medians. ``on_step(done, steps)`` is told of progress. The step size
    starts at ``learning_rate`` and shrinks by ``STEP_SIZE_DECAY`` per step.

    With ``validate(posterior, done)`` (a loss of the posterior after ``done`` steps on answers the fit does not
    see; lower is better), the posterior is checked every ``validate_every`` steps and the best one checked is
    returned; the fit stops once ``patience`` checks in a row have not improved on it (early stopping, so
    ``steps`` is then a ceiling). Checks start at step ``validate_from`` (the last step is always checked): before
    it the fit is still leaving its starting point, where a passing rise of the loss is not overfitting.
    """
    pyro.set_rng_seed(seed)
    pyro.clear_param_store()
    chains = chains_build(cohort.answers, edges=cohort.edges)
    guide = AutoNormal(model, init_scale=0.05)
    svi = SVI(model, guide, ClippedAdam({"lr": learning_rate, "clip_norm": 10.0, "lrd": STEP_SIZE_DECAY}), Trace_ELBO())
    bar = tqdm(range(steps), desc="PSI-KT cohort fit", disable=not progress)
    best, best_loss, checks_since_best = None, math.inf, 0
    for step in bar:
        loss = svi.step(cohort, chains)
        bar.set_postfix(elbo=f"{-loss / max(len(cohort.answers.correct), 1):.4f}")
        if on_step is not None:
            on_step(step + 1, steps)
        if validate is not None and (step + 1 == steps
                                     or step + 1 >= validate_from and (step + 1) % validate_every == 0):
            posterior = _posterior_median(guide, cohort, chains)
            validation_loss = validate(posterior, step + 1)
            bar.set_postfix(validation=f"{validation_loss:.4f}")
            if validation_loss < best_loss:
                best, best_loss, checks_since_best = posterior, validation_loss, 0
            else:
                checks_since_best += 1
                if checks_since_best >= patience:
                    break
    return best if best is not None else _posterior_median(guide, cohort, chains)


def _posterior_median(guide: AutoNormal, cohort: Cohort, chains: Chains) -> Posterior:
    with torch.no_grad():  # copies: the guide's parameters move on in place while the fit goes on
        median = {name: value.detach().clone() for name, value in guide.median(cohort, chains).items()}
        edges = {}
        if "edge_weight" in median:
            low, high = guide.quantiles([0.05, 0.95], cohort, chains)["edge_weight"]
            edges = {"edges": cohort.edges.clone(), "edge_weight": median["edge_weight"],
                     "edge_interval": torch.stack([low, high], dim=-1), "gamma": median["gamma"]}
    seen = torch.zeros(cohort.n_items, dtype=torch.bool)
    seen[cohort.answers.item] = True
    return Posterior(
        trait_loc=median["trait_loc"], trait_scale=median["trait_scale"], traits=median["traits"],
        item_difficulty=median["item_difficulty"], concept_difficulty=median["concept_difficulty"],
        learn_right=median["learn_right"], learn_wrong=median["learn_wrong"], fading_gain=median["fading_gain"],
        discrimination=torch.exp(median["log_discrimination"]),
        general=median["general"], recency=median["recency"], item_seen=seen, **edges,
    )


@dataclass
class FilterState:
    """The online filter's belief about L learners (tensors, updated in place).

    level ~ N(level_mean, level_var) is mu_l; given it, the d_{l,k} are independent,
    d_{l,k} | mu_l ~ N(offset + coupling mu_l, variance), as of ``last_seen`` (NaN: never answered, d then has its
    stationary law, coupling 0). This is the exact form of the joint Gaussian belief here, because every answer
    involves mu_l and one d_{l,k} (see ``answer_update``). right / wrong count answers per concept, totals per
    learner; recent_right / recent_wrong are the sums of the recency term h (see ``recent_sums``); alpha and
    stationary (s_l^2) are each learner's forgetting rate and stationary variance of d.
    """

    level_mean: torch.Tensor  # (L,)
    level_var: torch.Tensor  # (L,)
    offset: torch.Tensor  # (L, K)
    coupling: torch.Tensor  # (L, K)
    variance: torch.Tensor  # (L, K)
    last_seen: torch.Tensor  # (L, K)
    right: torch.Tensor  # (L, K)
    wrong: torch.Tensor  # (L, K)
    total_right: torch.Tensor  # (L,)
    total_wrong: torch.Tensor  # (L,)
    recent_right: torch.Tensor  # (L,)
    recent_wrong: torch.Tensor  # (L,)
    alpha: torch.Tensor  # (L,)
    stationary: torch.Tensor  # (L,)


def filter_start(posterior: Posterior, *, n_learners: int, traits: torch.Tensor | None = None) -> FilterState:
    """Learners new to the filter: level at the population prior, alpha and sigma at the population means,
    concepts never answered. With ``traits`` (n_learners, 3), learners the cohort fit has seen: their fitted
    alpha and sigma, and mu_l fixed at its fitted value (variance 0), as in the fit's likelihood."""
    n_concepts = len(posterior.concept_difficulty)
    if traits is None:
        traits = posterior.trait_loc.expand(n_learners, 3)
        level_var = torch.full((n_learners,), float(posterior.trait_scale[1] ** 2))
    else:
        level_var = torch.zeros(n_learners)
    alpha = torch.exp(traits[:, 0])  # (L,)
    stationary = torch.exp(2 * traits[:, 2]) / (2 * alpha)  # (L,)
    return FilterState(
        level_mean=traits[:, 1].clone(),
        level_var=level_var,
        offset=torch.zeros(n_learners, n_concepts),
        coupling=torch.zeros(n_learners, n_concepts),
        variance=stationary[:, None].repeat(1, n_concepts),
        last_seen=torch.full((n_learners, n_concepts), float("nan")),
        right=torch.zeros(n_learners, n_concepts),
        wrong=torch.zeros(n_learners, n_concepts),
        total_right=torch.zeros(n_learners),
        total_wrong=torch.zeros(n_learners),
        recent_right=torch.zeros(n_learners),
        recent_wrong=torch.zeros(n_learners),
        alpha=alpha,
        stationary=stationary,
    )


def transfer_now(posterior: Posterior, state: FilterState, who: torch.Tensor, k: torch.Tensor) -> torch.Tensor:
    """c_{l,k} = gamma sum_{j -> k} w_{jk} a_{l,j} from the state's practice counts, shape (len(who),)."""
    parent, child = posterior.edges[:, 0], posterior.edges[:, 1]  # (E,)
    learners, position = torch.unique(who, return_inverse=True)  # (U,): once per learner, not per (learner, k)
    built = practice_anchor(state.right[learners][:, parent], state.wrong[learners][:, parent],
                            posterior.learn_right[parent], posterior.learn_wrong[parent])  # (U, E)
    into = torch.zeros(state.right[learners].shape).index_add_(1, child, posterior.edge_weight * built)  # (U, K)
    return posterior.gamma * into[position, k]


def _knowledge_now(state: FilterState, who: torch.Tensor, k: torch.Tensor,
                   time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Belief about d_{l,k} | mu_l carried forward to ``time`` (the stationary law if never answered):
    (offset, coupling, variance). The OU transition scales d, so offset and coupling alike, by r = exp(-alpha dt)."""
    alpha, stationary = state.alpha[who], state.stationary[who]
    gap = time - state.last_seen[who, k]
    known = ~torch.isnan(gap)
    dt = torch.where(known, gap.clamp(min=0), 0.0)
    offset, variance = ou_predict(state.offset[who, k], state.variance[who, k], dt, alpha, stationary)
    coupling = state.coupling[who, k] * torch.exp(-alpha * dt)
    return torch.where(known, offset, 0.0), torch.where(known, coupling, 0.0), torch.where(known, variance, stationary)


def _anchor_now(posterior: Posterior, state: FilterState, who: torch.Tensor, concepts: torch.Tensor, *,
                with_recency: bool = True) -> torch.Tensor:
    """The anchor of an item with these concepts (B, M), -1 padded: the mean over them of a_{l,k} + c_{l,k}
    (practice on k and, along the graph's edges, on k's prerequisites), plus the general practice term and, unless
    ``with_recency`` is False, the recency term h_l."""
    present = concepts >= 0
    k = concepts.clamp(min=0)
    learner = who[:, None].expand_as(k)
    built = practice_anchor(state.right[learner, k], state.wrong[learner, k], posterior.learn_right[k],
                            posterior.learn_wrong[k])  # (B, M)
    if len(posterior.edge_weight):
        built = built + transfer_now(posterior, state, learner.flatten(), k.flatten()).reshape(k.shape)
    share = present / present.sum(dim=1, keepdim=True)  # (B, M)
    general = practice_anchor(state.total_right[who], state.total_wrong[who], posterior.general[0],
                              posterior.general[1])
    anchor = (share * built).sum(dim=1) + general
    if with_recency:
        anchor = (anchor + posterior.recency[0] * state.recent_right[who]
                  + posterior.recency[1] * state.recent_wrong[who])
    return anchor


def filter_step(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                difficulty: torch.Tensor, time: torch.Tensor, correct: torch.Tensor,
                observe: torch.Tensor, concepts: torch.Tensor | None = None) -> torch.Tensor:
    """One answer for each learner in ``who`` (distinct): predict P(correct), then absorb the answer.

    ``concept`` is the item's main concept; ``concepts`` (B, M), -1 padded, main first, all of them when the
    item has several (see ``Answers``). The answer moves the level and d of the main concept, the practice counts
    of every one and the learner's recency sums; the others' d are carried forward to ``time``, which leaves their
    law as it was (the OU transition composes), and the main concept's d gets the answer's fading gain. Where
    ``observe`` is False the answer is not read: the belief is only carried forward in time, and the practice
    counts, the recency sums and the fading gain grow by the expected answer (p right, 1 - p wrong). Returns p,
    shape (len(who),).
    """
    sets = concept_sets_of(concept, concepts)
    offset_now, coupling_now, variance_now = _knowledge_now(state, who, concept, time)
    y = torch.where(observe, correct, 0.0)
    p, level_mean, level_var, offset, coupling, variance = answer_update(
        state.level_mean[who], state.level_var[who], offset_now, coupling_now, variance_now,
        difficulty - _anchor_now(posterior, state, who, sets), posterior.discrimination[concept], y)
    outcome = torch.where(observe, y, p)
    present = sets >= 0
    touched = sets[present]  # (T,) every concept of every item answered
    touched_who, at, touched_outcome = (value[:, None].expand_as(sets)[present] for value in (who, time, outcome))
    (state.offset[touched_who, touched], state.coupling[touched_who, touched],
     state.variance[touched_who, touched]) = _knowledge_now(state, touched_who, touched, at)
    state.last_seen[touched_who, touched] = at
    state.right[touched_who, touched] += touched_outcome
    state.wrong[touched_who, touched] += 1 - touched_outcome
    state.total_right[who] += outcome
    state.total_wrong[who] += 1 - outcome
    state.recent_right[who] = RECENCY_DECAY * state.recent_right[who] + outcome
    state.recent_wrong[who] = RECENCY_DECAY * state.recent_wrong[who] + 1 - outcome
    state.level_mean[who] = torch.where(observe, level_mean, state.level_mean[who])
    state.level_var[who] = torch.where(observe, level_var, state.level_var[who])
    gain = outcome * posterior.fading_gain[concept, 0] + (1 - outcome) * posterior.fading_gain[concept, 1]
    state.offset[who, concept] = torch.where(observe, offset, offset_now) + gain
    state.coupling[who, concept] = torch.where(observe, coupling, coupling_now)
    state.variance[who, concept] = torch.where(observe, variance, variance_now)
    return p


def filter_success(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                   difficulty: torch.Tensor, time: torch.Tensor, concepts: torch.Tensor | None = None,
                   with_recency: bool = True) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P(correct) at ``time`` on items of these difficulties, without changing the state; with a 90 % interval.
    ``concepts``: as in ``filter_step``, for items with several concepts. With ``with_recency`` False the recency
    term h_l is left out: what the learner knows, apart from how their last few answers went (the mastery a
    learner and their teacher read should not swing on every concept with each answer on one of them).

    z - b ~ N(m, v) (``answer_moments``, the item's anchor taken off b): p = Phi(lambda kappa m / sqrt(1 + lambda^2
    kappa^2 v)), kappa the main concept's discrimination; the interval is sigmoid(kappa (m -+ 1.645 sqrt(v))).
    """
    offset, coupling, variance = _knowledge_now(state, who, concept, time)
    sets = concept_sets_of(concept, concepts)
    m, v = answer_moments(state.level_mean[who], state.level_var[who], offset, coupling, variance,
                          difficulty - _anchor_now(posterior, state, who, sets, with_recency=with_recency))
    kappa = posterior.discrimination[concept]
    c, _, _ = probit_absorb(m, v, torch.ones_like(m), kappa)  # c of a right answer: P(correct) = Phi(c)
    p = torch.special.ndtr(c)
    half_width = 1.6448536269514722 * torch.sqrt(v)
    return p, torch.sigmoid(kappa * (m - half_width)), torch.sigmoid(kappa * (m + half_width))


def item_difficulty_of(posterior: Posterior, item: torch.Tensor, concept: torch.Tensor) -> torch.Tensor:
    """Learned difficulty of items the cohort answered; the concept's difficulty for items it never saw."""
    seen = posterior.item_seen[item]
    return torch.where(seen, posterior.item_difficulty[item], posterior.concept_difficulty[concept])


def filter_run(posterior: Posterior, answers: Answers, *, observe: torch.Tensor,
               traits: torch.Tensor | None = None) -> tuple[torch.Tensor, FilterState]:
    """Run the online filter over each learner's answers in time order.

    Returns P(correct) of every row (predicted before its answer is absorbed) and the final state, whose
    learner index i is the i-th smallest learner id in ``answers``. Rows with ``observe`` False are predicted
    without their answer being read. Learners start new (see ``filter_start``); alpha and sigma take the
    population means, unless ``traits`` (L, 3) gives each learner's fitted traits (indexed by learner id, as in
    the cohort). Vectorised over learners; the loop runs over answer positions.
    """
    n = len(answers.correct)
    prediction = torch.zeros(n)
    learner_ids, position = torch.unique(answers.learner, return_inverse=True)
    state = filter_start(posterior, n_learners=len(learner_ids),
                         traits=None if traits is None else traits[learner_ids])
    if n == 0:
        return prediction, state
    order = torch.argsort(position * (n + 1) + torch.arange(n))  # rows grouped by learner, in time order
    counts = torch.bincount(position, minlength=len(learner_ids))
    starts = torch.cumsum(counts, 0) - counts
    difficulty = item_difficulty_of(posterior, answers.item, answers.concept)
    sets = answers.concept_sets()
    for step in range(int(counts.max())):
        rows = order[starts[counts > step] + step]  # one row per learner that has a step-th answer
        prediction[rows] = filter_step(posterior, state, who=position[rows], concept=answers.concept[rows],
                                       difficulty=difficulty[rows], time=answers.time[rows],
                                       correct=answers.correct[rows], observe=observe[rows], concepts=sets[rows])
    return prediction, state


def posterior_to_dict(posterior: Posterior) -> dict[str, list]:
    """Plain lists, for storing a posterior as JSON."""
    return {name: value.tolist() for name, value in asdict(posterior).items()}


# Values a stored posterior may lack, with their shapes and their defaults given the rest of it: snapshots from
# before transfer have no edges and gamma 0; snapshots from before fading gains have none (a zero row per concept),
# nor, from before discrimination, any discrimination (1 per concept), nor, from before the recency term, its
# coefficients (0: no recency).
_OPTIONAL = {"edges": ((-1, 2), lambda data: []), "edge_weight": ((-1,), lambda data: []),
             "edge_interval": ((-1, 2), lambda data: []), "gamma": ((), lambda data: 0.0),
             "fading_gain": ((-1, 2), lambda data: [[0.0, 0.0]] * len(data["concept_difficulty"])),
             "discrimination": ((-1,), lambda data: [1.0] * len(data["concept_difficulty"])),
             "recency": ((2,), lambda data: [0.0, 0.0])}


def posterior_from_dict(data: dict[str, list]) -> Posterior:
    """The posterior stored by ``posterior_to_dict``; keys that are not Posterior fields are ignored."""
    values = {}
    for name in (f.name for f in fields(Posterior)):
        if name in _OPTIONAL:
            shape, default = _OPTIONAL[name]
            value = data[name] if name in data else default(data)
            values[name] = torch.tensor(value, dtype=torch.float32).reshape(shape)
        else:
            values[name] = torch.tensor(data[name])
    values["edges"] = values["edges"].long()
    return Posterior(**values)


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


@dataclass(frozen=True)
class Simulation:
    cohort: Cohort
    traits: torch.Tensor  # (L, 3) true traits
    item_difficulty: torch.Tensor  # (I,) true difficulties


# A simulated course (``cohort_simulate(sessions=...)``): answers per block on one concept, minutes between
# answers in a session and days between sessions, the share of blocks on the learner's newest concept, and how
# far back a review block reaches (spiral review of recent concepts, so a concept comes back days apart).
SESSION_BLOCK = 5
SESSION_ANSWER_GAP_DAYS = (0.5 / 1440, 3.0 / 1440)
SESSION_GAP_DAYS = (0.5, 7.0)
SESSION_NEW_SHARE = 0.5
SESSION_REVIEW_SPAN = 4


def cohort_simulate(*, n_learners: int, n_items: int, n_concepts: int, answers_per_learner: int, seed: int,
                    learn_right: float = 0.3, learn_wrong: float = 0.1, fading_right: float = 0.0,
                    fading_wrong: float = 0.0, edges: torch.Tensor | None = None,
                    edge_weight: torch.Tensor | None = None, gamma: float = 1.0,
                    discrimination: torch.Tensor | None = None, sessions: int | None = None) -> Simulation:
    """Draw a cohort from the generative model, with the knowledge paths sampled exactly.

    Without ``sessions``, each learner answers random items at random times (gaps log-uniform from minutes to
    weeks, in days). With ``sessions`` S, the concepts in index order are a course (index them in a topological
    order of the graph): learner l reaches concept floor(pace_l (s + 1)) in session s, pace_l ~ U(0.4, 1.2) K / S;
    each session holds answers_per_learner / S answers in blocks of ``SESSION_BLOCK`` on one concept (the newest
    reached with probability ``SESSION_NEW_SHARE``, else a review of one of the ``SESSION_REVIEW_SPAN`` before
    it), minutes apart, and sessions are ``SESSION_GAP_DAYS`` apart (uniform). ``learn_right`` / ``learn_wrong``
    are every concept's beta^{+-}, ``fading_right`` / ``fading_wrong`` the fading gains delta^{+-}. ``edges``
    (E, 2) with ``edge_weight`` (E,) and ``gamma`` add the transfer c_{l,k} of the module docstring (g is 0 here);
    ``discrimination`` (K,) is each concept's kappa_k (default 1).
    """
    generator = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=generator)  # noqa: E731
    trait_scale = torch.tensor([0.5, 0.8, 0.3])
    traits = TRAIT_PRIOR_LOC + trait_scale * normal(n_learners, 3)
    if sessions is None:
        item_concept = torch.randint(n_concepts, (n_items,), generator=generator)
    else:
        item_concept = torch.arange(n_items) % n_concepts  # every concept has items
    item_difficulty = 0.8 * normal(n_concepts)[item_concept] + 0.5 * normal(n_items)
    parents = [[] for _ in range(n_concepts)]  # per child: (parent, w)
    for (j, k), w in zip([] if edges is None else edges.tolist(), [] if edge_weight is None else edge_weight.tolist(),
                         strict=True):
        parents[k].append((j, w))
    kappa = [1.0] * n_concepts if discrimination is None else discrimination.tolist()
    rows = {"learner": [], "item": [], "concept": [], "time": [], "correct": []}
    for learner in range(n_learners):
        alpha, level, sigma = math.exp(traits[learner, 0]), float(traits[learner, 1]), math.exp(traits[learner, 2])
        stationary = sigma * sigma / (2 * alpha)
        d = torch.full((n_concepts,), float("nan"))
        last = torch.zeros(n_concepts)
        rights, wrongs = torch.zeros(n_concepts), torch.zeros(n_concepts)
        if sessions is None:
            gaps = torch.exp(torch.empty(answers_per_learner).uniform_(math.log(1e-3), math.log(20.0),
                                                                       generator=generator))
            items = torch.randint(n_items, (answers_per_learner,), generator=generator)
            times = torch.cumsum(gaps, 0)
        else:
            times, items = _course_schedule(generator, n_items=n_items, n_concepts=n_concepts,
                                            answers=answers_per_learner, sessions=sessions)
        for time, item in zip(times.tolist(), items.tolist(), strict=True):
            k = int(item_concept[item])
            if torch.isnan(d[k]):
                d[k] = math.sqrt(stationary) * float(normal(1))
            else:
                r = math.exp(-alpha * (time - float(last[k])))
                d[k] = r * d[k] + math.sqrt(stationary * (1 - r * r)) * float(normal(1))
            anchor = learn_right * math.log1p(rights[k]) + learn_wrong * math.log1p(wrongs[k])
            anchor += gamma * sum(w * (learn_right * math.log1p(rights[j]) + learn_wrong * math.log1p(wrongs[j]))
                                  for j, w in parents[k])
            p = 1 / (1 + math.exp(-kappa[k] * (level + anchor + float(d[k]) - float(item_difficulty[item]))))
            correct = float(torch.rand(1, generator=generator)) < p
            rights[k] += float(correct)
            wrongs[k] += 1 - float(correct)
            d[k] += fading_right if correct else fading_wrong
            last[k] = time
            for key, value in zip(rows, (learner, item, k, time, float(correct)), strict=True):
                rows[key].append(value)
    answers = Answers(learner=torch.tensor(rows["learner"]), item=torch.tensor(rows["item"]),
                      concept=torch.tensor(rows["concept"]), time=torch.tensor(rows["time"]),
                      correct=torch.tensor(rows["correct"]))
    cohort = Cohort(answers=answers, item_concept=item_concept, n_learners=n_learners, n_items=n_items,
                    n_concepts=n_concepts, edges=edges)
    return Simulation(cohort=cohort, traits=traits, item_difficulty=item_difficulty)


def _course_schedule(generator: torch.Generator, *, n_items: int, n_concepts: int, answers: int,
                     sessions: int) -> tuple[torch.Tensor, torch.Tensor]:
    """One learner's answer times (days) and items in a simulated course (see ``cohort_simulate``)."""
    uniform = lambda low, high, *shape: torch.empty(*shape).uniform_(low, high, generator=generator)  # noqa: E731
    pace = float(uniform(0.4, 1.2, 1)) * n_concepts / sessions
    per_session = max(answers // sessions, 1)
    blocks = -(-per_session // SESSION_BLOCK)
    times, concepts = [], []
    start = 0.0
    for session in range(sessions):
        newest = min(int(pace * (session + 1)), n_concepts - 1)
        review = (newest - torch.randint(1, SESSION_REVIEW_SPAN + 1, (blocks,), generator=generator)).clamp(min=0)
        new = torch.rand(blocks, generator=generator) < SESSION_NEW_SHARE
        concepts.append(torch.where(new, newest, review).repeat_interleave(SESSION_BLOCK)[:per_session])
        times.append(start + torch.cumsum(uniform(*SESSION_ANSWER_GAP_DAYS, per_session), 0))
        start = float(times[-1][-1]) + float(uniform(*SESSION_GAP_DAYS, 1))
    concept = torch.cat(concepts)
    per_concept = -(-n_items // n_concepts)  # items of concept k are k, k + K, k + 2K, ...
    offset = torch.randint(per_concept, (len(concept),), generator=generator) * n_concepts
    item = torch.where(concept + offset < n_items, concept + offset, concept)
    return torch.cat(times), item
