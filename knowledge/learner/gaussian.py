r"""A Gaussian logit tracer: the first, simple learner model.

Knowledge of each concept is a Gaussian belief z_k ~ N(m_k, v_k). An item of difficulty b on concepts
K is answered correctly with probability

    P(y = 1 | z) = sigmoid(u - b),     u = w . z,   w_k = 1 / |K|.

Between answers the belief diffuses: v <- min(v + q * dt_days, v_0), so a concept not practised for a
while becomes uncertain again (no drift of the mean; the PSI-KT model adds that).

An answer updates the belief by a Laplace step on the scalar u (Gaussian prior N(m_u, s^2) with
m_u = w . m and s^2 = sum_k w_k^2 v_k), linearising the logistic likelihood at the prior mean with the
probit-matched slope kappa = (1 + pi s^2 / 8)^{-1/2}:

    p = sigmoid(kappa (m_u - b)),   g = y - p,   h = p (1 - p)
    s'^2 = 1 / (1 / s^2 + h),       m_u' = m_u + s'^2 g

and then distributes the change over the concepts by Gaussian conditioning (the joint covariance is
kept diagonal afterwards):

    m_k' = m_k + (w_k v_k / s^2) (m_u' - m_u)
    v_k' = v_k - (w_k v_k)^2 / s^2 * (1 - s'^2 / s^2).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from knowledge.learner.base import Belief, Mastery, Prediction

SECONDS_PER_DAY = 86400.0
Z_90 = 1.6448536269514722


def sigmoid(x: float) -> float:
    if x >= 0:
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _kappa(variance: float) -> float:
    return 1.0 / math.sqrt(1.0 + math.pi * variance / 8.0)


@dataclass(frozen=True)
class GaussianLogitModel:
    name: str = "gaussian-logit"
    prior_mean: float = -0.5
    prior_variance: float = 2.0
    diffusion_per_day: float = 0.02

    def prior(self) -> Belief:
        return Belief(self.prior_mean, self.prior_variance, None)

    def predict(self, belief: Belief, *, at: datetime) -> Belief:
        if belief.updated_at is None:
            return Belief(belief.mean, belief.variance, at)
        days = max((at - belief.updated_at).total_seconds(), 0.0) / SECONDS_PER_DAY
        variance = min(belief.variance + self.diffusion_per_day * days, max(belief.variance, self.prior_variance))
        return Belief(belief.mean, variance, at)

    def _combine(self, beliefs: Sequence[Belief]) -> tuple[float, float, float]:
        weight = 1.0 / len(beliefs)
        mean_u = sum(weight * b.mean for b in beliefs)
        var_u = sum(weight * weight * b.variance for b in beliefs)
        return weight, mean_u, var_u

    def update(self, beliefs: Sequence[Belief], *, difficulty: float, correct: bool, at: datetime) -> list[Belief]:
        if not beliefs:
            raise ValueError("an item must exercise at least one concept")
        current = [self.predict(b, at=at) for b in beliefs]
        weight, mean_u, var_u = self._combine(current)
        p = sigmoid(_kappa(var_u) * (mean_u - difficulty))
        gradient = (1.0 if correct else 0.0) - p
        curvature = p * (1.0 - p)
        var_post = 1.0 / (1.0 / var_u + curvature)
        mean_post = mean_u + var_post * gradient
        shrink = 1.0 - var_post / var_u
        return [
            Belief(
                mean=b.mean + weight * b.variance / var_u * (mean_post - mean_u),
                variance=b.variance - (weight * b.variance) ** 2 / var_u * shrink,
                updated_at=at,
            )
            for b in current
        ]

    def p_correct(self, beliefs: Sequence[Belief], *, difficulty: float, at: datetime) -> Prediction:
        current = [self.predict(b, at=at) for b in beliefs]
        _, mean_u, var_u = self._combine(current)
        p = sigmoid(_kappa(var_u) * (mean_u - difficulty))
        return Prediction(p_correct=p, sd=p * (1.0 - p) * math.sqrt(var_u))

    def mastery(self, belief: Belief, *, at: datetime) -> Mastery:
        current = self.predict(belief, at=at)
        sd = math.sqrt(current.variance)
        return Mastery(
            p=sigmoid(_kappa(current.variance) * current.mean),
            low=sigmoid(current.mean - Z_90 * sd),
            high=sigmoid(current.mean + Z_90 * sd),
            observed=belief.updated_at is not None,
        )
