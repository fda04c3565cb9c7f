r"""Bayesian Knowledge Tracing (Corbett & Anderson 1995), one hidden-Markov model per skill.

Each learner's attempts at skill k form a sequence; the hidden state L_t \in \{0, 1\} (not known / known):

    P(L_0 = 1)               = p_init
    P(L_{t+1} = 1 | L_t = 0)  = p_learn          (no forgetting: P(L_{t+1} = 1 | L_t = 1) = 1)
    P(y_t = 1 | L_t = 1)      = 1 - p_slip
    P(y_t = 1 | L_t = 0)      = p_guess

Fitting: Baum-Welch EM per skill (scaled forward-backward over every learner's sequence at once), with weak Beta
pseudo-counts so rare skills stay near sensible values, and guess/slip capped at 0.3 so "knowing" cannot mean
"failing" (the degenerate fits Baker, Corbett & Aleven 2008 describe).

Prediction is forward filtering: with k_t = P(L_t = 1 | y_{<t}),

    P(y_t = 1 | y_{<t}) = k_t (1 - p_slip) + (1 - k_t) p_guess
    f_t     = P(L_t = 1 | y_{\le t}) = k_t P(y_t | L_t = 1) / P(y_t | y_{<t})
    k_{t+1} = f_t + (1 - f_t) p_learn

and for unobserved future attempts the answer is marginalised out: k_{t+j} = 1 - (1 - k_t)(1 - p_learn)^j.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from tqdm.auto import tqdm

from knowledge.evaluate.datasets import Interactions, concat

MAX_GUESS_SLIP = 0.3
# Pseudo-observations (successes, failures) added to each parameter's expected counts (MAP-EM under a Beta
# prior); with no data a parameter sits at the ratio: init 0.5, learn 0.1, guess 0.2, slip 0.1.
PRIOR = {"init": (1.0, 1.0), "learn": (0.2, 1.8), "guess": (0.4, 1.6), "slip": (0.2, 1.8)}


@dataclass
class BKTParameters:
    """The four BKT parameters of every skill, each (K,)."""

    init: np.ndarray
    learn: np.ndarray
    guess: np.ndarray
    slip: np.ndarray

    def at(self, skill: np.ndarray) -> BKTParameters:
        return BKTParameters(self.init[skill], self.learn[skill], self.guess[skill], self.slip[skill])


class PackedSequences:
    """Rows regrouped as one sequence per (learner, skill), laid out time-major like torch's PackedSequence.

    Sequences are ranked by decreasing length, so the sequences still running at step t are ranks 0..active[t]-1
    and their step-t rows sit contiguously at packed positions offsets[t]:offsets[t] + active[t].
    """

    def __init__(self, learner: np.ndarray, skill: np.ndarray, n_skills: int):
        key = learner * n_skills + skill  # (N,)
        keys, sequence_of_row, lengths = np.unique(key, return_inverse=True, return_counts=True)
        rank_of_sequence = np.empty(len(keys), dtype=np.int64)
        rank_of_sequence[np.argsort(-lengths, kind="stable")] = np.arange(len(keys))
        by_rank = np.argsort(rank_of_sequence)
        self.key = keys[by_rank]  # (S,) learner * n_skills + skill of each rank
        self.skill = self.key % n_skills  # (S,)
        self.length = lengths[by_rank]  # (S,)
        sequences_of_length = np.bincount(lengths)
        self.active = np.cumsum(sequences_of_length[::-1])[::-1][1:]  # (T,) sequences longer than t
        self.offsets = np.concatenate([[0], np.cumsum(self.active)])  # (T+1,)
        order = np.argsort(sequence_of_row, kind="stable")  # rows grouped by sequence, in time order
        step = np.empty(len(key), dtype=np.int64)
        step[order] = np.arange(len(key)) - np.repeat(np.cumsum(lengths) - lengths, lengths)
        rank = rank_of_sequence[sequence_of_row]
        self.packed_of_row = self.offsets[step] + rank  # (N,)
        self.step_of_row = step  # (N,)
        self.rank_of_packed = np.empty(len(key), dtype=np.int64)  # (N,)
        self.rank_of_packed[self.packed_of_row] = rank

    def step(self, t: int) -> slice:
        return slice(int(self.offsets[t]), int(self.offsets[t + 1]))

    def last_packed(self) -> np.ndarray:
        """(S,) packed position of each sequence's last row."""
        return self.offsets[self.length - 1] + np.arange(len(self.length))


def _emission(y: np.ndarray, params: BKTParameters) -> tuple[np.ndarray, np.ndarray]:
    """(P(y | known), P(y | not known)) for answers y."""
    known = np.where(y == 1, 1 - params.slip, params.slip)
    unknown = np.where(y == 1, params.guess, 1 - params.guess)
    return known, unknown


def forward(packed: PackedSequences, y: np.ndarray, params: BKTParameters) -> tuple[np.ndarray, np.ndarray]:
    """Filter every sequence: (k, c), packed (N,): k_t = P(known before y_t), c_t = P(y_t | y_{<t})."""
    prior_known = np.empty(len(y))
    evidence = np.empty(len(y))
    state = params.init.copy()  # (S,) k_t of the sequences still running
    for t in range(len(packed.active)):
        n = packed.active[t]
        rows = packed.step(t)
        state = state[:n]
        known, unknown = _emission(y[rows], params.at(slice(0, n)))
        prior_known[rows] = state
        evidence[rows] = state * known + (1 - state) * unknown
        filtered = state * known / evidence[rows]
        state = filtered + (1 - filtered) * params.learn[:n]
    return prior_known, evidence


def _expected_counts(packed: PackedSequences, y: np.ndarray, skill_params: BKTParameters) -> tuple[dict, float]:
    """E-step: scaled forward-backward; expected sufficient statistics summed per skill, and the log-likelihood."""
    n_skills = len(skill_params.init)
    params = skill_params.at(packed.skill)  # (S,) per sequence
    prior_known, evidence = forward(packed, y, params)
    known, unknown = _emission(y, params.at(packed.rank_of_packed))
    filtered = prior_known * known / evidence  # alpha-hat_t(known)
    back_known = np.ones(len(y))  # beta-hat_t(known), beta-hat_t(not known); 1 at each sequence's end
    back_unknown = np.ones(len(y))
    learned = np.zeros(len(y))  # xi_t(not known -> known), defined for t before the last step
    for t in range(len(packed.active) - 2, -1, -1):
        n_next = packed.active[t + 1]  # sequences with a step t+1 are ranks 0..n_next-1
        now = slice(int(packed.offsets[t]), int(packed.offsets[t]) + n_next)
        nxt = packed.step(t + 1)
        learn = params.learn[:n_next]
        to_known = known[nxt] * back_known[nxt] / evidence[nxt]
        to_unknown = unknown[nxt] * back_unknown[nxt] / evidence[nxt]
        back_known[now] = to_known
        back_unknown[now] = (1 - learn) * to_unknown + learn * to_known
        learned[now] = (1 - filtered[now]) * learn * to_known
    p_known = filtered * back_known  # gamma_t(known)
    p_unknown = (1 - filtered) * back_unknown
    has_next = np.ones(len(y), dtype=bool)
    has_next[packed.last_packed()] = False
    skill = packed.skill[packed.rank_of_packed]
    first = slice(0, int(packed.active[0]) if len(packed.active) else 0)

    def per_skill(weights: np.ndarray, where: np.ndarray | slice = slice(None)) -> np.ndarray:
        return np.bincount(skill[where], weights=weights[where], minlength=n_skills)

    counts = {
        "init": (np.bincount(packed.skill, weights=p_known[first], minlength=n_skills),
                 np.bincount(packed.skill, minlength=n_skills).astype(float)),
        "learn": (per_skill(learned, has_next), per_skill(p_unknown, has_next)),
        "guess": (per_skill(p_unknown * y), per_skill(p_unknown)),
        "slip": (per_skill(p_known * (1 - y)), per_skill(p_known)),
    }
    return counts, float(np.sum(np.log(evidence)))


class BKT:
    """Per-skill BKT fitted by EM; unseen skills use the prior means."""

    name = "bkt"

    def __init__(self, *, seed: int = 0, max_iterations: int = 200, tolerance: float = 1e-7):
        self.seed = seed  # EM from a fixed start is deterministic; kept for the registry's common signature
        self.max_iterations = max_iterations
        self.tolerance = tolerance
        self.params: BKTParameters | None = None

    def fit(self, train: Interactions, valid: Interactions | None) -> None:
        """EM on train and valid together (no early stopping needed)."""
        data = train if valid is None or len(valid) == 0 else concat(train, valid)
        self.params = self.fit_params(data.learner, data.skill, data.correct, data.n_skills)

    def fit_params(self, learner: np.ndarray, skill: np.ndarray, correct: np.ndarray, n_skills: int) -> BKTParameters:
        packed = PackedSequences(learner, skill, n_skills)
        y = np.empty(len(correct))
        y[packed.packed_of_row] = correct
        skill_params = BKTParameters(*(np.full(n_skills, v) for v in (0.4, 0.1, 0.2, 0.1)))
        previous = -np.inf
        progress = tqdm(range(self.max_iterations), desc="bkt EM", leave=False)
        for _ in progress:
            counts, log_likelihood = _expected_counts(packed, y, skill_params)
            skill_params = BKTParameters(**{name: _map_estimate(*counts[name], *PRIOR[name]) for name in PRIOR})
            skill_params.guess = np.minimum(skill_params.guess, MAX_GUESS_SLIP)
            skill_params.slip = np.minimum(skill_params.slip, MAX_GUESS_SLIP)
            progress.set_postfix(loglik=f"{log_likelihood:.1f}")
            if log_likelihood - previous < self.tolerance * abs(log_likelihood):
                break
            previous = log_likelihood
        return skill_params

    def predict_next_step(self, data: Interactions) -> np.ndarray:
        packed = PackedSequences(data.learner, data.skill, data.n_skills)
        y = np.empty(len(data))
        y[packed.packed_of_row] = data.correct
        prior_known, _ = forward(packed, y, self.params.at(packed.skill))
        return self._p_correct(prior_known[packed.packed_of_row], data.skill)

    def predict_future(self, history: Interactions, future: Interactions) -> np.ndarray:
        packed = PackedSequences(history.learner, history.skill, history.n_skills)
        y = np.empty(len(history))
        y[packed.packed_of_row] = history.correct
        params = self.params.at(packed.skill)
        prior_known, evidence = forward(packed, y, params)
        last = packed.last_packed()
        filtered = prior_known[last] * np.where(y[last] == 1, 1 - params.slip, params.slip) / evidence[last]
        known_after_history = dict(zip(packed.key.tolist(), (filtered + (1 - filtered) * params.learn).tolist(),
                                       strict=True))
        future_key = future.learner * future.n_skills + future.skill
        start = np.array([known_after_history.get(k, np.nan) for k in future_key.tolist()])
        start = np.where(np.isnan(start), self.params.init[future.skill], start)
        # attempts already made at this skill within the future window, none of their answers seen
        steps_ahead = PackedSequences(future.learner, future.skill, future.n_skills).step_of_row
        prior_known = 1 - (1 - start) * (1 - self.params.learn[future.skill]) ** steps_ahead
        return self._p_correct(prior_known, future.skill)

    def _p_correct(self, prior_known: np.ndarray, skill: np.ndarray) -> np.ndarray:
        return prior_known * (1 - self.params.slip[skill]) + (1 - prior_known) * self.params.guess[skill]


def _map_estimate(successes: np.ndarray, trials: np.ndarray, prior_successes: float,
                  prior_failures: float) -> np.ndarray:
    """A rate from expected successes out of expected trials, plus the prior's pseudo-observations."""
    return (successes + prior_successes) / (trials + prior_successes + prior_failures)
