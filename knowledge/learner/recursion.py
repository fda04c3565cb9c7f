r"""The cohort fit's filter recursion along every chain, compiled, with its gradient: one pass over the answers
forward, one back, so that a step of the fit costs in proportion to the answers, however long one chain is.

A chain is one (learner, main concept) pair's answers in time order; its rows lie together, chain after chain. For
row n, with the previous row's posterior N(m_{n-1}, v_{n-1}) of d (taken as 0 at a chain's first row, where r_n = 0):

    predict   m = r_n m_{n-1},   v = w_n + r_n^2 v_{n-1}          (the OU step: r = exp(-alpha dt), w = s^2 (1 - r^2))
    answer    u = level_n + d ~ N(level_n + m, v);  (log Z_n, shift, shrink) = probit_absorb(u; s_n, q_n, f_n)
    absorb    m_n = m + shift + gain_n,   v_n = v (1 - shrink)

and the result is log Z_n = log p(y_n | the chain's earlier answers) per row. ``knowledge.learner.gaussian``'s
``probit_absorb`` gives the answer's equations, c = s q M / S with S = sqrt(1 + q^2 v), g = d log Z / dc and
h = g (c + g) = -dg/dc; the backward pass carries the adjoints of (m_n, v_n) from the last row of each chain to its
first through the derivatives of those equations (written out in ``_answer_derivatives``). ``ChainRecursion``
wraps the two passes as a torch autograd Function; the tests hold its values to the answer-by-answer
``knowledge.learner.reference`` and its gradients to finite differences.

Arithmetic is in float64 inside, whatever the tensors' dtype.
"""

from __future__ import annotations

import math

import numba
import numpy as np
import torch

from knowledge.learner.gaussian import PROBIT_SLOPE

_LOG_SQRT_2PI = 0.5 * math.log(2.0 * math.pi)
_SQRT_HALF = math.sqrt(0.5)
# Below this c, Phi(c) is read from its asymptotic series: erfc would lose digits and then underflow (c < -37).
_TAIL = -20.0


@numba.njit(cache=True, inline="always")
def _log_ndtr(c: float) -> float:
    """log Phi(c), accurate in both tails."""
    if c < _TAIL:
        inverse_square = 1.0 / (c * c)
        series = 1.0 - inverse_square * (1.0 - 3.0 * inverse_square * (1.0 - 5.0 * inverse_square))
        return -0.5 * c * c - _LOG_SQRT_2PI - math.log(-c) + math.log(series)
    if c > 0.0:
        return math.log1p(-0.5 * math.erfc(c * _SQRT_HALF))
    return math.log(0.5 * math.erfc(-c * _SQRT_HALF))


@numba.njit(cache=True, inline="always")
def _answer(level: float, m: float, v: float, sign: float, slope: float, guess: float):
    """The answer's quantities on u ~ N(level + m, v): (log Z, c, g, S, log Phi(c))."""
    spread = math.sqrt(1.0 + slope * slope * v)
    c = sign * slope * (level + m) / spread
    log_ndtr = _log_ndtr(c)
    log_phi = -0.5 * c * c - _LOG_SQRT_2PI
    if guess > 0.0:
        log_keep = math.log1p(-guess)
        log_z = math.log(guess + math.exp(log_keep + log_ndtr)) if sign > 0.0 else log_keep + log_ndtr
    else:
        log_keep = 0.0
        log_z = log_ndtr
    g = math.exp(log_keep + log_phi - log_z)
    return log_z, c, g, spread, log_ndtr


@numba.njit(cache=True)
def _forward(level, sign, slope, gain, guess, decay, renew, log_z, m_pre, v_pre, m_post, v_post, c_of, g_of,
             spread_of, log_ndtr_of):
    """The recursion over all rows (rows of a chain together, time order; decay 0 at a chain's first row). Writes
    log Z, the predicted (m, v) and the posterior (m_n, v_n) of every row, and the answer's c, g, S and
    log Phi(c) for the backward pass, into the arrays after the inputs."""
    m_before = 0.0
    v_before = 0.0
    for n in range(len(level)):
        m = decay[n] * m_before
        v = renew[n] + decay[n] * decay[n] * v_before
        score, c, g, spread, log_ndtr = _answer(level[n], m, v, sign[n], slope[n], guess[n])
        log_z[n], m_pre[n], v_pre[n] = score, m, v
        c_of[n], g_of[n], spread_of[n], log_ndtr_of[n] = c, g, spread, log_ndtr
        m_before = m_post[n] = m + sign[n] * slope[n] * v * g / spread + gain[n]
        v_before = v_post[n] = v * (1.0 - slope[n] * slope[n] * v / (spread * spread) * g * (c + g))


@numba.njit(cache=True, inline="always")
def _answer_derivatives(answer: float, v: float, s: float, q: float, f: float, log_z: float, c: float, g: float,
                        spread: float, log_ndtr: float):
    """Partial derivatives of (log Z, shift, shrink) of one answer by (M = level + m, v, q, f), and shrink itself,
    from the forward pass's quantities (``_answer``).

    dc/dM = s q / S,  dc/dv = -c q^2 / (2 S^2),  dc/dq = s M / S^3
    d log Z / dc = g,  dg/dc = -h,  dh/dc = g (1 - h) - h (c + g)
    d log Z / df = ([s > 0] - Phi(c)) / Z,  dg/df = -phi(c) / Z - g d log Z / df,  dh/df = dg/df (c + 2 g)
    shift = s q v g / S,  shrink = B h with B = q^2 v / S^2
    """
    square = spread * spread
    h = g * (c + g)
    dc_dm = s * q / spread
    dc_dv = -c * q * q / (2.0 * square)
    dc_dq = s * answer / (square * spread)
    dh_dc = g * (1.0 - h) - h * (c + g)
    if f > 0.0:  # a first try's guess is 0, no parameter: its derivatives are not needed
        dz_df = (math.exp(-log_z) if s > 0.0 else 0.0) - math.exp(log_ndtr - log_z)
        dg_df = -math.exp(-0.5 * c * c - _LOG_SQRT_2PI - log_z) - g * dz_df
    else:
        dz_df = 0.0
        dg_df = 0.0
    dh_df = dg_df * (c + 2.0 * g)
    # shift = s q v g / S: through g (via c and f) and through q v / S directly
    base = s * q * v / spread
    dshift_dm = -base * h * dc_dm
    dshift_dv = s * q * g / spread - s * q * v * g * q * q / (2.0 * square * spread) - base * h * dc_dv
    dshift_dq = s * v * g / spread - s * q * v * g * q * v / (square * spread) - base * h * dc_dq
    dshift_df = base * dg_df
    weight = q * q * v / square
    dshrink_dm = weight * dh_dc * dc_dm
    dshrink_dv = q * q / (square * square) * h + weight * dh_dc * dc_dv
    dshrink_dq = 2.0 * q * v / (square * square) * h + weight * dh_dc * dc_dq
    dshrink_df = weight * dh_df
    return (g * dc_dm, g * dc_dv, g * dc_dq, dz_df, dshift_dm, dshift_dv, dshift_dq, dshift_df,
            dshrink_dm, dshrink_dv, dshrink_dq, dshrink_df, weight * h)


@numba.njit(cache=True)
def _backward(level, sign, slope, guess, decay, log_z, m_pre, v_pre, m_post, v_post, c_of, g_of, spread_of,
              log_ndtr_of, grad_log_z, grad_level, grad_slope, grad_gain, grad_guess, grad_decay, grad_renew):
    """The adjoints, last row first: (a_m, a_v) are dL/d(m_n, v_n) from the rows after n in its chain."""
    a_m = 0.0
    a_v = 0.0
    for n in range(len(level) - 1, -1, -1):
        m, v = m_pre[n], v_pre[n]
        (dz_dm, dz_dv, dz_dq, dz_df, dshift_dm, dshift_dv, dshift_dq, dshift_df,
         dshrink_dm, dshrink_dv, dshrink_dq, dshrink_df, shrink) = _answer_derivatives(
            level[n] + m, v, sign[n], slope[n], guess[n], log_z[n], c_of[n], g_of[n], spread_of[n], log_ndtr_of[n])
        w = grad_log_z[n]
        # m_n = m + shift + gain, v_n = v (1 - shrink)
        grad_answer = w * dz_dm + a_m * dshift_dm - a_v * v * dshrink_dm  # dL/dM
        grad_v = w * dz_dv + a_m * dshift_dv + a_v * (1.0 - shrink - v * dshrink_dv)
        grad_m = grad_answer + a_m
        grad_level[n] = grad_answer
        grad_slope[n] = w * dz_dq + a_m * dshift_dq - a_v * v * dshrink_dq
        grad_guess[n] = w * dz_df + a_m * dshift_df - a_v * v * dshrink_df
        grad_gain[n] = a_m
        grad_renew[n] = grad_v
        # m = r m_{n-1}, v = w + r^2 v_{n-1}, with (m_{n-1}, v_{n-1}) the previous row's posterior
        r = decay[n]
        grad_decay[n] = grad_m * m_post[n - 1] + 2.0 * r * grad_v * v_post[n - 1] if n > 0 else 0.0
        a_m = grad_m * r
        a_v = grad_v * r * r


class ChainRecursion(torch.autograd.Function):
    """log Z_n of every row (N,) from the rows' level, sign, probit slope q = lambda kappa, fading gain, guess, OU
    decay r (0 at a chain's first row) and renewal w (see the module docstring). Differentiable in every input
    but the signs."""

    @staticmethod
    def forward(ctx, level, sign, slope, gain, guess, decay, renew):
        arrays = [t.detach().to(torch.float64).numpy() for t in (level, sign, slope, gain, guess, decay, renew)]
        # log Z; predicted m, v; posterior m_n, v_n; the answer's c, g, S, log Phi(c)
        log_z, *kept = (np.empty(len(arrays[0])) for _ in range(9))
        _forward(*arrays, log_z, *kept)
        ctx.arrays, ctx.kept, ctx.dtype = arrays, [log_z, *kept], level.dtype
        return torch.from_numpy(log_z).to(level.dtype)

    @staticmethod
    def backward(ctx, grad_log_z):
        level, sign, slope, _, guess, decay, _ = ctx.arrays
        grads = [np.empty(len(level)) for _ in range(6)]  # level, slope, gain, guess, decay, renew
        _backward(level, sign, slope, guess, decay, *ctx.kept, grad_log_z.detach().to(torch.float64).numpy(),
                  *grads)
        grad_level, grad_slope, grad_gain, grad_guess, grad_decay, grad_renew = (
            torch.from_numpy(g).to(ctx.dtype) for g in grads)
        return grad_level, None, grad_slope, grad_gain, grad_guess, grad_decay, grad_renew


def chain_recursion(level: torch.Tensor, sign: torch.Tensor, discrimination: torch.Tensor, gain: torch.Tensor,
                    guess: torch.Tensor, decay: torch.Tensor, renew: torch.Tensor) -> torch.Tensor:
    """log p(y_n | the chain's earlier answers), shape (N,), every argument (N,) in chain order; ``discrimination``
    is kappa of each row's concept (the probit slope is lambda kappa)."""
    return ChainRecursion.apply(level, sign, PROBIT_SLOPE * discrimination, gain, guess, decay, renew)
