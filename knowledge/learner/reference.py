r"""The cohort fit's likelihood and the online filter written answer by answer: the model read plainly.

One learner at a time, their answers one at a time in time order (the order of the rows, see ``Answers``), in
Python floats: the equations of ``knowledge.learner`` as they read, as pyro's examples show a simple model before
a fast one. ``chain_log_likelihood`` and ``filter_run`` do the same arithmetic regrouped for speed (the terms of
every answer at once and the recursion along each chain compiled; every learner's n-th answer at once); the tests
hold them to this, answer by answer. The app does not call it.

For each answer of learner l, at time t, on item i with concepts S (main concept k first), right or wrong y:

    1. forget   d_{l,k} ~ N(mean, var) carried forward from the learner's last answer on k (``_ou``):
                r = exp(-alpha_l dt), mean <- r mean, var <- r^2 var + s_l^2 (1 - r^2); N(0, s_l^2) on a first answer
    2. anchor   mean over j in S of (a_{l,j} + c_{l,j}), plus general practice and h_l (``_anchor``), from the
                counts of the answers before this one
    3. predict  u = z - b_i = mu_l + anchor + d_{l,k} + f_{l,k} - b_i ~ N(m, v);  P(right) = Phi(lambda kappa m /
                sqrt(1 + lambda^2 kappa^2 v)), the logistic curve sigmoid(kappa u) matched by a probit (``_probit``);
                on a retry (an item the learner answered before) f + (1 - f) times that, f the guess
    4. absorb   the answer moves the Gaussian by the probit-matched moments (the filter's, over mu_l and d_{l,k}
                jointly, when mu_l is not known); then the fading gain delta_k^+ (right) or delta_k^- (wrong) is
                added to f_{l,k}, which fades as d does (r per step) and is practice, not evidence
    5. count    the answer is practice on every j in S, in the learner's totals and in the recency sums
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

from knowledge.learner.data import RECENCY_DECAY, Answers
from knowledge.learner.gaussian import PROBIT_SLOPE
from knowledge.learner.posterior import Posterior


@dataclass(frozen=True)
class Coefficients:
    """The anchor's coefficients: beta_k^+, beta_k^- per concept; g^+, g^-; the edges j -> k with their weights
    w_{jk} and the transfer rate gamma; eta^+, eta^-."""

    learn_right: list[float]
    learn_wrong: list[float]
    general: list[float]
    edges: list[tuple[int, int]]
    edge_weight: list[float]
    gamma: float
    recency: list[float]


@dataclass
class Practice:
    """One learner's answers so far: right and wrong per concept (an item's answer counts on each of its concepts)
    and on any concept, and the recency sums sum_{m<n} rho^(n-1-m) [y_m right] (and wrong)."""

    right: dict[int, float] = field(default_factory=dict)
    wrong: dict[int, float] = field(default_factory=dict)
    total_right: float = 0.0
    total_wrong: float = 0.0
    recent_right: float = 0.0
    recent_wrong: float = 0.0

    def count(self, concepts: list[int], right: float) -> None:
        """One answer on an item with these concepts: right 1 or 0 (or, for an answer not read, its probability)."""
        for k in concepts:
            self.right[k] = self.right.get(k, 0.0) + right
            self.wrong[k] = self.wrong.get(k, 0.0) + 1.0 - right
        self.total_right += right
        self.total_wrong += 1.0 - right
        self.recent_right = RECENCY_DECAY * self.recent_right + right
        self.recent_wrong = RECENCY_DECAY * self.recent_wrong + 1.0 - right


def _anchor(practice: Practice, concepts: list[int], co: Coefficients) -> float:
    """(1/|S|) sum_{k in S} (a_{l,k} + gamma sum_{j -> k} w_{jk} a_{l,j}) + g^+ log(1 + right on anything)
    + g^- log(1 + wrong on anything) + eta^+ (recent right) + eta^- (recent wrong)."""

    def built(k: int) -> float:  # a_{l,k} = beta_k^+ log(1 + right on k) + beta_k^- log(1 + wrong on k)
        return (co.learn_right[k] * math.log1p(practice.right.get(k, 0.0))
                + co.learn_wrong[k] * math.log1p(practice.wrong.get(k, 0.0)))

    anchor = 0.0
    for k in concepts:
        transfer = sum(w * built(j) for (j, child), w in zip(co.edges, co.edge_weight, strict=True) if child == k)
        anchor += (built(k) + co.gamma * transfer) / len(concepts)
    anchor += co.general[0] * math.log1p(practice.total_right) + co.general[1] * math.log1p(practice.total_wrong)
    return anchor + co.recency[0] * practice.recent_right + co.recency[1] * practice.recent_wrong


def _ou(mean: float, variance: float, dt: float, alpha: float, stationary: float) -> tuple[float, float]:
    """N(mean, variance) of d carried forward by dt: r = exp(-alpha dt), (r mean, r^2 variance + s^2 (1 - r^2))."""
    r = math.exp(-alpha * dt)
    return r * mean, r * r * variance + stationary * (1.0 - r * r)


def _normal_cdf(x: float) -> float:
    return 0.5 * math.erfc(-x / math.sqrt(2.0))


def _probit(m: float, v: float, right: bool, kappa: float, guess: float = 0.0) -> tuple[float, float, float]:
    """The answer on u ~ N(m, v), P(right | u) = f + (1 - f) sigmoid(kappa u) ~= f + (1 - f) Phi(lambda kappa u),
    f the guess (0 but on a retry): with s = +1 (right) or -1 (wrong), q = lambda kappa, c = s q m / sqrt(1 + q^2 v),
    Z = P(this answer) = f + (1 - f) Phi(c) if right, (1 - f) Phi(c) if wrong, and g = (1 - f) phi(c) / Z, returns
    (Z, the shift of u's mean s q v g / sqrt(1 + q^2 v), the shrink of its variance 1 - v'/v = q^2 v / (1 + q^2 v)
    g (c + g))."""
    q = PROBIT_SLOPE * kappa
    s = 1.0 if right else -1.0
    spread = math.sqrt(1.0 + q * q * v)
    c = s * q * m / spread
    z = (guess if right else 0.0) + (1.0 - guess) * _normal_cdf(c)
    g = (1.0 - guess) * math.exp(-0.5 * c * c) / math.sqrt(2.0 * math.pi) / z
    return z, s * q * v * g / spread, q * q * v / (spread * spread) * g * (c + g)


def _rows_by_learner(answers: Answers) -> dict[int, list[int]]:
    """Each learner's rows, in the order given (time order, see ``Answers``)."""
    rows: dict[int, list[int]] = {}
    for n, learner in enumerate(answers.learner.tolist()):
        rows.setdefault(learner, []).append(n)
    return rows


def _concept_lists(answers: Answers) -> list[list[int]]:
    """Each row's concepts, main first."""
    return [[k for k in row if k >= 0] for row in answers.concept_sets().tolist()]


def log_likelihood_by_answer(answers: Answers, *, traits: torch.Tensor, difficulty: torch.Tensor,
                             learn_right: torch.Tensor, learn_wrong: torch.Tensor, general: torch.Tensor,
                             discrimination: torch.Tensor, fading_gain: torch.Tensor | None = None,
                             edges: torch.Tensor | None = None, edge_weight: torch.Tensor | None = None,
                             gamma: torch.Tensor | None = None, recency: torch.Tensor | None = None,
                             retry_guess: torch.Tensor | None = None) -> float:
    """sum_n log p(y_n | the learner's earlier answers), what ``chain_log_likelihood`` computes from the same
    arguments (``edges`` (E, 2): those its chains were built with). Each learner's traits are given, so mu_l is
    known and d_{l,k} alone is filtered, one Gaussian per (learner, main concept)."""
    co = Coefficients(learn_right=learn_right.tolist(), learn_wrong=learn_wrong.tolist(), general=general.tolist(),
                      edges=[] if edges is None else [tuple(edge) for edge in edges.tolist()],
                      edge_weight=[] if edge_weight is None else edge_weight.tolist(),
                      gamma=0.0 if gamma is None else float(gamma),
                      recency=[0.0, 0.0] if recency is None else recency.tolist())
    n_concepts = len(co.learn_right)
    fading = [[0.0, 0.0]] * n_concepts if fading_gain is None else fading_gain.tolist()  # delta_k^+, delta_k^-
    kappa, b = discrimination.tolist(), difficulty.tolist()
    guess = 0.0 if retry_guess is None else float(retry_guess)
    item, concept, time = answers.item.tolist(), answers.concept.tolist(), answers.time.tolist()
    correct, concepts = answers.correct.tolist(), _concept_lists(answers)
    total = 0.0
    for learner, rows in _rows_by_learner(answers).items():
        answered: set[int] = set()
        log_alpha, level, log_sigma = traits[learner].tolist()
        alpha = math.exp(log_alpha)
        stationary = math.exp(2.0 * log_sigma) / (2.0 * alpha)  # s_l^2 = sigma_l^2 / (2 alpha_l)
        practice = Practice()
        d: dict[int, tuple[float, float, float]] = {}  # main concept k: (mean, variance, time of the last answer)
        for n in rows:
            k, right = concept[n], correct[n] == 1.0
            if k in d:
                mean, variance, last = d[k]
                mean, variance = _ou(mean, variance, time[n] - last, alpha, stationary)
            else:
                mean, variance = 0.0, stationary
            m = level + _anchor(practice, concepts[n], co) + mean - b[n]  # E[z - b]
            p_answer, shift, shrink = _probit(m, variance, right, kappa[k], guess if item[n] in answered else 0.0)
            answered.add(item[n])
            total += math.log(max(p_answer, 1e-6))  # floored: one surprising answer cannot dominate
            gain = fading[k][0] if right else fading[k][1]
            d[k] = (mean + shift + gain, variance * (1.0 - shrink), time[n])
            practice.count(concepts[n], correct[n])
    return total


@dataclass
class Belief:
    """One learner's belief in the online filter (a row of ``FilterState``): mu_l ~ N(level_mean, level_var) and,
    for each concept answered, d_k | mu_l ~ N(offset_k + coupling_k mu_l, variance_k) as of last_seen_k."""

    level_mean: float
    level_var: float
    alpha: float
    stationary: float  # s_l^2
    offset: dict[int, float] = field(default_factory=dict)
    fresh: dict[int, float] = field(default_factory=dict)  # f_k, the fading gains, as of last_seen_k
    coupling: dict[int, float] = field(default_factory=dict)
    variance: dict[int, float] = field(default_factory=dict)
    last_seen: dict[int, float] = field(default_factory=dict)
    practice: Practice = field(default_factory=Practice)

    def knowledge_now(self, k: int, time: float) -> tuple[float, float, float, float]:
        """(offset, coupling, variance) of d_k | mu and the fading gains f_k, carried forward to ``time`` (the OU
        transition scales d, so offset and coupling alike, and f_k with them); never answered: the stationary law,
        (0, 0, s_l^2, 0)."""
        if k not in self.last_seen:
            return 0.0, 0.0, self.stationary, 0.0
        dt = max(time - self.last_seen[k], 0.0)
        offset, variance = _ou(self.offset[k], self.variance[k], dt, self.alpha, self.stationary)
        r = math.exp(-self.alpha * dt)
        return offset, self.coupling[k] * r, variance, self.fresh[k] * r


def filter_by_answer(posterior: Posterior, answers: Answers, *, observe: torch.Tensor,
                     traits: torch.Tensor | None = None) -> tuple[list[float], dict[int, Belief]]:
    """What ``filter_run`` computes from the same arguments: P(correct) of every row, predicted before its answer
    is read, and each learner's final belief (by learner id). Learners start at the population prior (alpha and
    sigma at its means, mu_l ~ N(trait_loc_mu, trait_scale_mu^2)), or with ``traits`` (L, 3) at their fitted
    traits, mu_l then known. A row with ``observe`` False is predicted and not read: the belief is only carried
    forward in time, and the counts grow by the expected answer (p right, 1 - p wrong)."""
    co = Coefficients(learn_right=posterior.learn_right.tolist(), learn_wrong=posterior.learn_wrong.tolist(),
                      general=posterior.general.tolist(), edges=[tuple(edge) for edge in posterior.edges.tolist()],
                      edge_weight=posterior.edge_weight.tolist(), gamma=float(posterior.gamma),
                      recency=posterior.recency.tolist())
    fading, kappa = posterior.fading_gain.tolist(), posterior.discrimination.tolist()
    item_difficulty, concept_difficulty = posterior.item_difficulty.tolist(), posterior.concept_difficulty.tolist()
    item_seen = posterior.item_seen.tolist()
    item, concept, time = answers.item.tolist(), answers.concept.tolist(), answers.time.tolist()
    correct, read, concepts = answers.correct.tolist(), observe.tolist(), _concept_lists(answers)
    prediction = [0.0] * len(correct)
    beliefs = {}
    guess = float(posterior.retry_guess)
    for learner, rows in _rows_by_learner(answers).items():
        answered: set[int] = set()
        if traits is None:
            log_alpha, level, log_sigma = posterior.trait_loc.tolist()
            level_var = float(posterior.trait_scale[1]) ** 2
        else:
            (log_alpha, level, log_sigma), level_var = traits[learner].tolist(), 0.0
        alpha = math.exp(log_alpha)
        belief = Belief(level_mean=level, level_var=level_var, alpha=alpha,
                        stationary=math.exp(2.0 * log_sigma) / (2.0 * alpha))
        for n in rows:
            k, i = concept[n], item[n]
            b = item_difficulty[i] if item_seen[i] else concept_difficulty[k]  # never seen: its concept's
            offset, coupling, variance, fresh = belief.knowledge_now(k, time[n])
            # u = z - b = (1 + coupling) mu + e + offset + f + anchor - b, with e ~ N(0, variance) independent of mu
            loading = 1.0 + coupling
            m = loading * belief.level_mean + offset + fresh - (b - _anchor(belief.practice, concepts[n], co))
            v = loading * loading * belief.level_var + variance
            f = guess if i in answered else 0.0
            answered.add(i)
            q = PROBIT_SLOPE * kappa[k]
            prediction[n] = f + (1.0 - f) * _normal_cdf(q * m / math.sqrt(1.0 + q * q * v))
            if read[n]:  # mu and e move by their covariances with u
                _, shift, shrink = _probit(m, v, correct[n] == 1.0, kappa[k], f)
                level_var = belief.level_var
                belief.level_mean += loading * level_var / v * shift
                belief.level_var = level_var - (loading * level_var) ** 2 / v * shrink
                cross = -loading * level_var * variance / v * shrink  # Cov(mu, e) after the answer
                regression = cross / belief.level_var if belief.level_var > 0 else 0.0  # d | mu read off by regression
                offset = offset + variance / v * shift - regression * belief.level_mean
                coupling = coupling + regression
                variance = variance - variance * variance / v * shrink - regression * cross
                outcome = correct[n]
            else:
                outcome = prediction[n]
            for j in concepts[n][1:]:  # the item's other concepts: d carried forward, which leaves its law as it was
                belief.offset[j], belief.coupling[j], belief.variance[j], belief.fresh[j] = belief.knowledge_now(
                    j, time[n])
                belief.last_seen[j] = time[n]
            gain = outcome * fading[k][0] + (1.0 - outcome) * fading[k][1]  # the fading gain, expected if not read
            belief.offset[k], belief.coupling[k], belief.variance[k] = offset, coupling, variance
            belief.fresh[k] = fresh + gain
            belief.last_seen[k] = time[n]
            belief.practice.count(concepts[n], outcome)
        beliefs[learner] = belief
    return prediction, beliefs
