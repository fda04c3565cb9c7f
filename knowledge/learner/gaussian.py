r"""The Gaussian filter's algebra: the Ornstein-Uhlenbeck transition of a knowledge path d and the absorption of
one answer, the logistic answer curve matched by a probit (assumed-density filtering). Used by the cohort fit's
likelihood (``knowledge.learner.likelihood``) and the online filter (``knowledge.learner.filter``).
"""

from __future__ import annotations

import math

import torch

PROBIT_SLOPE = math.sqrt(math.pi / 8)  # Phi(lambda x) ~= sigmoid(x): the logistic answer curve, in probit form


def ou_predict(mean: torch.Tensor, variance: torch.Tensor, dt: torch.Tensor, alpha: torch.Tensor,
               stationary: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Carry N(mean, variance) of d forward by dt under the OU process towards 0:
    r = exp(-alpha dt);  mean <- r mean;  variance <- r^2 variance + stationary (1 - r^2)."""
    r = torch.exp(-alpha * dt)
    return r * mean, r * r * variance + stationary * (1.0 - r * r)


def probit_absorb(m: torch.Tensor, v: torch.Tensor, sign: torch.Tensor, discrimination: torch.Tensor,
                  guess: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
    r"""One answer on u = z - b ~ N(m, v) with P(correct) = sigmoid(kappa u), the logistic curve matched by a probit,
    sigmoid(x) ~= Phi(lambda x) with lambda^2 = pi / 8, so that the posterior moments are exact for it
    (assumed-density filtering). With s = +1 for a right answer and -1 for a wrong one, and the probit's slope on u
    written q = lambda kappa:

        c = s q m / sqrt(1 + q^2 v),    P(this answer) = Z = Phi(c)
        g = phi(c) / Phi(c)
        m' - m = s q v g / sqrt(1 + q^2 v)                       (shift)
        1 - v' / v = q^2 v / (1 + q^2 v) g (c + g)               (shrink)

    With a ``guess`` f (B,) (a retry, which may be right without the knowledge: from the feedback, or by
    elimination), P(right | u) = f + (1 - f) Phi(q u); then Z = f + (1 - f) Phi(c) for a right answer and
    (1 - f) Phi(c) for a wrong one, and g = (1 - f) phi(c) / Z in the same formulas (the moments stay exact). A
    wrong answer's g does not depend on f; a right one's is smaller: a right retry is weaker evidence.

    Returns (log Z, shift, shrink).
    """
    slope = PROBIT_SLOPE * discrimination
    spread = torch.sqrt(1.0 + slope * slope * v)
    c = sign * slope * m / spread
    log_phi = -0.5 * c * c - 0.5 * math.log(2 * math.pi)
    log_z = torch.special.log_ndtr(c)
    if guess is None:
        g = torch.exp(log_phi - log_z)
    else:
        keep = torch.log1p(-guess)  # log(1 - f)
        floor = torch.log((guess * (sign > 0)).clamp(min=1e-30))  # log f for a right answer, none for a wrong one
        log_z = torch.logaddexp(floor, keep + log_z)
        g = torch.exp(keep + log_phi - log_z)
    shift = sign * slope * v * g / spread
    shrink = slope * slope * v / (spread * spread) * g * (c + g)
    return log_z, shift, shrink


def answer_moments(level_mean: torch.Tensor, level_var: torch.Tensor, offset: torch.Tensor, coupling: torch.Tensor,
                   variance: torch.Tensor, difficulty: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Mean and variance of u = mu + d - b, with mu ~ N(level_mean, level_var) and d | mu ~ N(offset + coupling mu,
    variance): u = (1 + coupling) mu + e + offset - b with e ~ N(0, variance) independent of mu."""
    loading = 1.0 + coupling
    return loading * level_mean + offset - difficulty, loading * loading * level_var + variance


def answer_update(level_mean: torch.Tensor, level_var: torch.Tensor, offset: torch.Tensor, coupling: torch.Tensor,
                  variance: torch.Tensor, difficulty: torch.Tensor, discrimination: torch.Tensor,
                  correct: torch.Tensor, guess: torch.Tensor | None = None) -> tuple[torch.Tensor, ...]:
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

    Returns P(correct) = f + (1 - f) Phi(lambda kappa m / sqrt(1 + lambda^2 kappa^2 v)) (f the ``guess`` of a
    retry, see ``probit_absorb``; 0 for a first try) and the updated (level_mean, level_var, offset, coupling,
    variance).
    """
    loading = 1.0 + coupling
    m, v = answer_moments(level_mean, level_var, offset, coupling, variance, difficulty)
    sign = 2.0 * correct - 1.0
    _, shift, shrink = probit_absorb(m, v, sign, discrimination, guess)
    slope = PROBIT_SLOPE * discrimination
    p = torch.special.ndtr(slope * m / torch.sqrt(1.0 + slope * slope * v))
    if guess is not None:
        p = guess + (1.0 - guess) * p
    new_level_mean = level_mean + loading * level_var / v * shift
    new_level_var = level_var - (loading * level_var) ** 2 / v * shrink
    cross = -loading * level_var * variance / v * shrink  # Cov(mu, e) after the answer
    regression = torch.where(new_level_var > 0, cross / new_level_var.clamp(min=1e-12), 0.0)
    return (
        p,
        new_level_mean,
        new_level_var,
        offset + variance / v * shift - regression * new_level_mean,
        coupling + regression,
        variance - variance * variance / v * shrink - regression * cross,
    )
