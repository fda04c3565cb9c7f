r"""PSI-KT style continuous-time knowledge tracing, written from the model's equations, in pyro.

Generative model (learner l, concept k, item i, answers n in time order):

    traits     s_l = (log alpha_l, mu_l, log sigma_l) ~ N(trait_loc, diag trait_scale^2)
    knowledge  z_{l,k}(t) = mu_l + a_{l,k}(t) + d_{l,k}(t)
    practice   a_{l,k} = beta_k^+ log(1 + right on k so far) + beta_k^- log(1 + wrong on k so far)
                         + g^+ log(1 + right on anything so far) + g^- log(1 + wrong on anything so far):
               what practice has built, on k and in general, with diminishing returns (the power law of
               practice); beta_k^{+-} ~ N(beta^{+-}, 0.2^2) share a course-wide mean
    forgetting d_{l,k} is an Ornstein-Uhlenbeck process in real elapsed time towards 0: with r = exp(-alpha_l dt)
               d(t + dt) | d(t) ~ N(r d(t), s_l^2 (1 - r^2)),   s_l^2 = sigma_l^2 / (2 alpha_l)  (stationary variance)
               and d_{l,k} starts from its stationary law N(0, s_l^2) at the learner's first answer on k
    answers    y_n ~ Bernoulli(sigmoid(z_{l_n,k_n}(t_n) - b_{i_n})),   b_i ~ N(b_{k(i)}, item_spread^2)

So the long-term mean of concept k is mu_l + a_{l,k}: the learner's level plus what practice has built.
What answers show beyond that (a good or a bad day, a burst of insight, a lapse) lives in d, which the
rate alpha_l pulls back over time (forgetting) and sigma_l lets wander.

Inference. The knowledge paths are integrated out by a Gaussian filter (assumed-density filtering):
between answers the OU transition is exact; an answer is absorbed by moment matching, with the logistic
curve matched by a probit (see ``answer_update``). The
filter's one-step-ahead predictive probabilities give an approximate marginal likelihood

    log p(y | s, b, beta) ~= sum_n log p(y_n | y_{<n}),

which pyro's SVI maximises (ELBO with a mean-field Gaussian guide over traits, item and concept
parameters and the population prior). For a learner the cohort fit has not seen, mu_l is part of the
filter's state instead (started at the population prior and updated with every answer), and alpha, sigma
take the population means: the same filter then runs online, one answer at a time.

Shapes: N answers, L learners, I items, K concepts; chains are (learner, concept) pairs; the chain
likelihood is vectorised over every chain's r-th answer at once (a loop over ranks, not over learners).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import asdict, dataclass

import numpy as np
import pyro
import pyro.distributions as dist
import torch
from pyro.infer import SVI, Trace_ELBO
from pyro.infer.autoguide import AutoNormal
from pyro.optim import ClippedAdam
from tqdm.auto import tqdm

TRAIT_NAMES = ("log_alpha", "mu", "log_sigma")
# Prior centre of the traits: forgetting on a scale of days, level near the middle, moderate wandering.
TRAIT_PRIOR_LOC = torch.tensor([math.log(0.2), 0.0, math.log(0.5)])


PROBIT_SLOPE = math.sqrt(math.pi / 8)  # Phi(lambda x) ~= sigmoid(x): the logistic answer curve, in probit form


def ou_predict(mean: torch.Tensor, variance: torch.Tensor, dt: torch.Tensor, alpha: torch.Tensor,
               stationary: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
    """Carry N(mean, variance) of d forward by dt under the OU process towards 0:
    r = exp(-alpha dt);  mean <- r mean;  variance <- r^2 variance + stationary (1 - r^2)."""
    r = torch.exp(-alpha * dt)
    return r * mean, r * r * variance + stationary * (1.0 - r * r)


def answer_update(level_mean: torch.Tensor, level_var: torch.Tensor, mean: torch.Tensor, variance: torch.Tensor,
                  difficulty: torch.Tensor, correct: torch.Tensor) -> tuple[torch.Tensor, ...]:
    r"""Absorb one answer on z = mu + d, with mu ~ N(level_mean, level_var) and d ~ N(mean, variance) independent.

    The logistic answer curve is matched by a probit, sigmoid(x) ~= Phi(lambda x) with lambda^2 = pi / 8, so
    the moments of the posterior are exact for it (assumed-density filtering). With u = z - b ~ N(m, v),
    s = +1 for a right answer and -1 for a wrong one:

        c = s lambda m / sqrt(1 + lambda^2 v),    p = Phi(lambda m / sqrt(1 + lambda^2 v))   (P(correct))
        g = phi(c) / Phi(c)
        m' = m + s lambda v g / sqrt(1 + lambda^2 v)
        v' = v - lambda^2 v^2 / (1 + lambda^2 v) g (c + g)

    Each part then moves by its share of the variance (Gaussian conditioning, kept independent after):
        m_x' = m_x + (v_x / v)(m' - m),   v_x' = v_x - v_x^2 / v (1 - v' / v).

    Returns p and the updated (level_mean, level_var, mean, variance).
    """
    m = level_mean + mean - difficulty
    v = level_var + variance
    spread = torch.sqrt(1.0 + PROBIT_SLOPE**2 * v)
    p = torch.special.ndtr(PROBIT_SLOPE * m / spread)
    sign = 2.0 * correct - 1.0
    c = sign * PROBIT_SLOPE * m / spread
    g = torch.exp(-0.5 * c * c - 0.5 * math.log(2 * math.pi) - torch.special.log_ndtr(c))
    shift = sign * PROBIT_SLOPE * v * g / spread
    v_post = v - PROBIT_SLOPE**2 * v * v / (spread * spread) * g * (c + g)
    shrink = 1.0 - v_post / v
    return (
        p,
        level_mean + level_var / v * shift,
        level_var - level_var * level_var / v * shrink,
        mean + variance / v * shift,
        variance - variance * variance / v * shrink,
    )


@dataclass(frozen=True)
class Answers:
    """Answers in time order per learner, as tensors. ``time`` is in days (or interaction steps)."""

    learner: torch.Tensor  # (N,) long
    item: torch.Tensor  # (N,) long
    concept: torch.Tensor  # (N,) long
    time: torch.Tensor  # (N,) float
    correct: torch.Tensor  # (N,) float 0/1


@dataclass(frozen=True)
class Chains:
    """The answers regrouped by (learner, concept) chain and by rank within the chain.

    ``ranks[r]`` holds the rows that are the r-th answer of their chain; ``previous[r]`` the position of
    each such row's predecessor within ``ranks[r - 1]``; ``gap[r]`` the time since that predecessor;
    ``right_before[r]`` / ``wrong_before[r]`` the chain's answers before each row, ``total_right_before[r]`` /
    ``total_wrong_before[r]`` the learner's answers on any concept before it.
    """

    ranks: list[torch.Tensor]
    previous: list[torch.Tensor]
    gap: list[torch.Tensor]
    right_before: list[torch.Tensor]
    wrong_before: list[torch.Tensor]
    total_right_before: list[torch.Tensor]
    total_wrong_before: list[torch.Tensor]


def chains_build(answers: Answers) -> Chains:
    learner, concept, time = answers.learner.numpy(), answers.concept.numpy(), answers.time.numpy()
    order = np.lexsort((time, concept, learner))  # rows of each chain together, in time order
    chain_key = learner[order].astype(np.int64) * (int(concept.max()) + 1) + concept[order]
    new_chain = np.r_[True, chain_key[1:] != chain_key[:-1]]
    chain_start = np.maximum.accumulate(np.where(new_chain, np.arange(len(order)), 0))
    rank = np.arange(len(order)) - chain_start
    by_learner = np.lexsort((time, learner))  # each learner's answers in time order
    ordered_right = answers.correct.numpy()[by_learner]
    learner_start = np.maximum.accumulate(
        np.where(np.r_[True, learner[by_learner][1:] != learner[by_learner][:-1]], np.arange(len(order)), 0))
    ordered_right_before = np.cumsum(ordered_right) - ordered_right
    total_right = np.empty(len(order))
    total_answers = np.empty(len(order))
    total_right[by_learner] = ordered_right_before - ordered_right_before[learner_start]
    total_answers[by_learner] = np.arange(len(order)) - learner_start
    right = answers.correct.numpy()[order]
    right_inclusive = np.cumsum(right)
    right_before = right_inclusive - right - (right_inclusive - right)[chain_start]
    ranks, previous, gap, rights, wrongs, total_rights, total_wrongs = [], [], [], [], [], [], []
    position_in_rank = np.empty(len(order), dtype=np.int64)
    for r in range(int(rank.max()) + 1 if len(rank) else 0):
        sorted_positions = np.flatnonzero(rank == r)
        rows = order[sorted_positions]
        position_in_rank[sorted_positions] = np.arange(len(rows))
        ranks.append(torch.as_tensor(rows))
        rights.append(torch.as_tensor(right_before[sorted_positions], dtype=torch.float32))
        wrongs.append(r - rights[-1])
        total_rights.append(torch.as_tensor(total_right[rows], dtype=torch.float32))
        total_wrongs.append(torch.as_tensor(total_answers[rows], dtype=torch.float32) - total_rights[-1])
        if r == 0:
            previous.append(torch.empty(0, dtype=torch.long))
            gap.append(torch.empty(0))
        else:
            before = sorted_positions - 1
            previous.append(torch.as_tensor(position_in_rank[before]))
            gap.append(torch.as_tensor(np.maximum(time[order[sorted_positions]] - time[order[before]], 0.0)).float())
    return Chains(ranks=ranks, previous=previous, gap=gap, right_before=rights, wrong_before=wrongs,
                  total_right_before=total_rights, total_wrong_before=total_wrongs)


def practice_anchor(right: torch.Tensor, wrong: torch.Tensor, learn_right: torch.Tensor,
                    learn_wrong: torch.Tensor) -> torch.Tensor:
    """a = beta^+ log(1 + right) + beta^- log(1 + wrong)."""
    return learn_right * torch.log1p(right) + learn_wrong * torch.log1p(wrong)


def chain_log_likelihood(answers: Answers, chains: Chains, *, traits: torch.Tensor, difficulty: torch.Tensor,
                         learn_right: torch.Tensor, learn_wrong: torch.Tensor,
                         general: torch.Tensor) -> torch.Tensor:
    """sum_n log p(y_n | earlier answers of the same chain), given every learner's traits (L, 3) and mu_l."""
    alpha = torch.exp(traits[:, 0])  # (L,)
    level = traits[:, 1]
    stationary = torch.exp(2 * traits[:, 2]) / (2 * alpha)
    total = torch.zeros(())
    mean = variance = None
    for r, rows in enumerate(chains.ranks):
        learner = answers.learner[rows]
        concept = answers.concept[rows]
        y = answers.correct[rows]
        if r == 0:
            prior_mean, prior_var = torch.zeros(len(rows)), stationary[learner]
        else:
            prior_mean, prior_var = ou_predict(mean[chains.previous[r]], variance[chains.previous[r]],
                                               chains.gap[r], alpha[learner], stationary[learner])
        anchor = practice_anchor(chains.right_before[r], chains.wrong_before[r], learn_right[concept],
                                 learn_wrong[concept])
        anchor = anchor + practice_anchor(chains.total_right_before[r], chains.total_wrong_before[r], general[0],
                                          general[1])
        zero = torch.zeros(len(rows))
        p, _, _, mean, variance = answer_update(level[learner] + anchor, zero, prior_mean, prior_var,
                                                difficulty[rows], y)
        p = p.clamp(1e-6, 1 - 1e-6)
        total = total + (y * torch.log(p) + (1 - y) * torch.log1p(-p)).sum()
    return total


@dataclass(frozen=True)
class Cohort:
    """What the cohort fit sees: answers plus each item's concept and the id-space sizes."""

    answers: Answers
    item_concept: torch.Tensor  # (I,) long: the concept an item's difficulty is centred on
    n_learners: int
    n_items: int
    n_concepts: int


def model(cohort: Cohort, chains: Chains) -> None:
    """PSI-KT generative model with the knowledge paths filtered out (see the module docstring)."""
    trait_loc = pyro.sample("trait_loc", dist.Normal(TRAIT_PRIOR_LOC, 1.0).to_event(1))  # (3,)
    trait_scale = pyro.sample("trait_scale", dist.HalfNormal(torch.ones(3)).to_event(1))  # (3,)
    learn_loc = pyro.sample("learn_loc", dist.Normal(torch.tensor([0.2, 0.1]), 0.5).to_event(1))  # (2,) right, wrong
    general = pyro.sample("general", dist.Normal(torch.zeros(2), 0.3).to_event(1))  # (2,) right, wrong
    with pyro.plate("concepts", cohort.n_concepts):
        concept_difficulty = pyro.sample("concept_difficulty", dist.Normal(0.0, 1.5))  # (K,)
        learn_right = pyro.sample("learn_right", dist.Normal(learn_loc[0], 0.2))  # (K,)
        learn_wrong = pyro.sample("learn_wrong", dist.Normal(learn_loc[1], 0.2))  # (K,)
    item_spread = pyro.sample("item_spread", dist.HalfNormal(1.0))
    with pyro.plate("items", cohort.n_items):
        item_difficulty = pyro.sample("item_difficulty",
                                      dist.Normal(concept_difficulty[cohort.item_concept], item_spread))  # (I,)
    with pyro.plate("learners", cohort.n_learners):
        traits = pyro.sample("traits", dist.Normal(trait_loc, trait_scale).to_event(1))  # (L, 3)
    answers = cohort.answers
    pyro.factor("answers", chain_log_likelihood(answers, chains, traits=traits,
                                                difficulty=item_difficulty[answers.item],
                                                learn_right=learn_right, learn_wrong=learn_wrong, general=general))


@dataclass(frozen=True)
class Posterior:
    """Posterior means of everything the online filter needs."""

    trait_loc: torch.Tensor  # (3,)
    trait_scale: torch.Tensor  # (3,)
    traits: torch.Tensor  # (L, 3) learners of the cohort
    item_difficulty: torch.Tensor  # (I,)
    concept_difficulty: torch.Tensor  # (K,)
    learn_right: torch.Tensor  # (K,)
    learn_wrong: torch.Tensor  # (K,)
    general: torch.Tensor  # (2,) general practice coefficients, right and wrong
    item_seen: torch.Tensor  # (I,) bool: items the cohort answered (others take their concept's difficulty)


def cohort_fit(cohort: Cohort, *, steps: int = 300, learning_rate: float = 0.03, seed: int = 0,
               progress: bool = True, on_step: Callable[[int, int], None] | None = None) -> Posterior:
    """SVI over the cohort; returns posterior medians. ``on_step(done, steps)`` is told of progress."""
    pyro.set_rng_seed(seed)
    pyro.clear_param_store()
    chains = chains_build(cohort.answers)
    guide = AutoNormal(model, init_scale=0.05)
    svi = SVI(model, guide, ClippedAdam({"lr": learning_rate, "clip_norm": 10.0}), Trace_ELBO())
    bar = tqdm(range(steps), desc="PSI-KT cohort fit", disable=not progress)
    for step in bar:
        loss = svi.step(cohort, chains)
        bar.set_postfix(elbo=f"{-loss / max(len(cohort.answers.correct), 1):.4f}")
        if on_step is not None:
            on_step(step + 1, steps)
    with torch.no_grad():
        median = guide.median(cohort, chains)
    seen = torch.zeros(cohort.n_items, dtype=torch.bool)
    seen[cohort.answers.item] = True
    return Posterior(
        trait_loc=median["trait_loc"], trait_scale=median["trait_scale"], traits=median["traits"],
        item_difficulty=median["item_difficulty"], concept_difficulty=median["concept_difficulty"],
        learn_right=median["learn_right"], learn_wrong=median["learn_wrong"], general=median["general"],
        item_seen=seen,
    )


@dataclass
class FilterState:
    """The online filter's belief about L learners (tensors, updated in place).

    level ~ N(level_mean, level_var) is mu_l; d_{l,k} ~ N(mean, variance) as of ``last_seen`` (NaN: never
    answered, d then has its stationary law); right / wrong count answers per concept, totals per learner.
    """

    level_mean: torch.Tensor  # (L,)
    level_var: torch.Tensor  # (L,)
    mean: torch.Tensor  # (L, K)
    variance: torch.Tensor  # (L, K)
    last_seen: torch.Tensor  # (L, K)
    right: torch.Tensor  # (L, K)
    wrong: torch.Tensor  # (L, K)
    total_right: torch.Tensor  # (L,)
    total_wrong: torch.Tensor  # (L,)


def filter_start(posterior: Posterior, *, n_learners: int) -> FilterState:
    """Learners new to the filter: level at the population prior, concepts never answered."""
    n_concepts = len(posterior.concept_difficulty)
    alpha = torch.exp(posterior.trait_loc[0])
    return FilterState(
        level_mean=torch.full((n_learners,), float(posterior.trait_loc[1])),
        level_var=torch.full((n_learners,), float(posterior.trait_scale[1] ** 2)),
        mean=torch.zeros(n_learners, n_concepts),
        variance=torch.full((n_learners, n_concepts), float(torch.exp(2 * posterior.trait_loc[2]) / (2 * alpha))),
        last_seen=torch.full((n_learners, n_concepts), float("nan")),
        right=torch.zeros(n_learners, n_concepts),
        wrong=torch.zeros(n_learners, n_concepts),
        total_right=torch.zeros(n_learners),
        total_wrong=torch.zeros(n_learners),
    )


def _concept_now(posterior: Posterior, state: FilterState, who: torch.Tensor, k: torch.Tensor,
                 time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Belief about d_{l,k} carried forward to ``time`` (the stationary law if never answered), and a_{l,k}."""
    alpha = torch.exp(posterior.trait_loc[0])
    stationary = torch.exp(2 * posterior.trait_loc[2]) / (2 * alpha)
    gap = time - state.last_seen[who, k]
    known = ~torch.isnan(gap)
    m, v = ou_predict(state.mean[who, k], state.variance[who, k], torch.where(known, gap.clamp(min=0), 0.0),
                      alpha, stationary)
    anchor = practice_anchor(state.right[who, k], state.wrong[who, k], posterior.learn_right[k],
                             posterior.learn_wrong[k])
    anchor = anchor + practice_anchor(state.total_right[who], state.total_wrong[who], posterior.general[0],
                                      posterior.general[1])
    return torch.where(known, m, 0.0), torch.where(known, v, stationary), anchor


def filter_step(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                difficulty: torch.Tensor, time: torch.Tensor, correct: torch.Tensor,
                observe: torch.Tensor) -> torch.Tensor:
    """One answer for each learner in ``who`` (distinct): predict P(correct), then absorb the answer.

    Where ``observe`` is False the answer is not read: the belief is only carried forward in time and the
    practice counts grow by the expected answer (p right, 1 - p wrong). Returns p, shape (len(who),).
    """
    k = concept
    m, v, anchor = _concept_now(posterior, state, who, k, time)
    y = torch.where(observe, correct, 0.0)
    p, level_mean, level_var, mean, variance = answer_update(state.level_mean[who], state.level_var[who], m, v,
                                                             difficulty - anchor, y)
    outcome = torch.where(observe, y, p)
    state.right[who, k] += outcome
    state.wrong[who, k] += 1 - outcome
    state.total_right[who] += outcome
    state.total_wrong[who] += 1 - outcome
    state.level_mean[who] = torch.where(observe, level_mean, state.level_mean[who])
    state.level_var[who] = torch.where(observe, level_var, state.level_var[who])
    state.mean[who, k] = torch.where(observe, mean, m)
    state.variance[who, k] = torch.where(observe, variance, v)
    state.last_seen[who, k] = time
    return p


def filter_success(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                   difficulty: torch.Tensor, time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P(correct) at ``time`` on items of these difficulties, without changing the state; with a 90 % interval.

    z - b ~ N(m, v) with m = mu + a + d - b: p = Phi(lambda m / sqrt(1 + lambda^2 v)); the interval is
    sigmoid(m -+ 1.645 sqrt(v)).
    """
    d_mean, d_var, anchor = _concept_now(posterior, state, who, concept, time)
    m = state.level_mean[who] + anchor + d_mean - difficulty
    v = state.level_var[who] + d_var
    p = torch.special.ndtr(PROBIT_SLOPE * m / torch.sqrt(1.0 + PROBIT_SLOPE**2 * v))
    half_width = 1.6448536269514722 * torch.sqrt(v)
    return p, torch.sigmoid(m - half_width), torch.sigmoid(m + half_width)


def item_difficulty_of(posterior: Posterior, item: torch.Tensor, concept: torch.Tensor) -> torch.Tensor:
    """Learned difficulty of items the cohort answered; the concept's difficulty for items it never saw."""
    seen = posterior.item_seen[item]
    return torch.where(seen, posterior.item_difficulty[item], posterior.concept_difficulty[concept])


def filter_run(posterior: Posterior, answers: Answers, *, observe: torch.Tensor) -> tuple[torch.Tensor, FilterState]:
    """Run the online filter over each learner's answers in time order.

    Returns P(correct) of every row (predicted before its answer is absorbed) and the final state, whose
    learner index i is the i-th smallest learner id in ``answers``. Rows with ``observe`` False are predicted
    without their answer being read. Learners start new (see ``filter_start``); alpha and sigma take the
    population means. Vectorised over learners; the loop runs over answer positions.
    """
    n = len(answers.correct)
    prediction = torch.zeros(n)
    learner_ids, position = torch.unique(answers.learner, return_inverse=True)
    state = filter_start(posterior, n_learners=len(learner_ids))
    if n == 0:
        return prediction, state
    order = torch.argsort(position * (n + 1) + torch.arange(n))  # rows grouped by learner, in time order
    counts = torch.bincount(position, minlength=len(learner_ids))
    starts = torch.cumsum(counts, 0) - counts
    difficulty = item_difficulty_of(posterior, answers.item, answers.concept)
    for step in range(int(counts.max())):
        rows = order[starts[counts > step] + step]  # one row per learner that has a step-th answer
        prediction[rows] = filter_step(posterior, state, who=position[rows], concept=answers.concept[rows],
                                       difficulty=difficulty[rows], time=answers.time[rows],
                                       correct=answers.correct[rows], observe=observe[rows])
    return prediction, state


def posterior_to_dict(posterior: Posterior) -> dict[str, list]:
    """Plain lists, for storing a posterior as JSON."""
    return {name: value.tolist() for name, value in asdict(posterior).items()}


def posterior_from_dict(data: dict[str, list]) -> Posterior:
    return Posterior(**{name: torch.tensor(value) for name, value in data.items()})


@dataclass(frozen=True)
class Simulation:
    cohort: Cohort
    traits: torch.Tensor  # (L, 3) true traits
    item_difficulty: torch.Tensor  # (I,) true difficulties


def cohort_simulate(*, n_learners: int, n_items: int, n_concepts: int, answers_per_learner: int, seed: int,
                    learn_right: float = 0.3, learn_wrong: float = 0.1) -> Simulation:
    """Draw a cohort from the generative model, with the knowledge paths sampled exactly.

    Each learner answers random items at random times (gaps log-uniform from minutes to weeks, in days).
    """
    generator = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=generator)  # noqa: E731
    trait_scale = torch.tensor([0.5, 0.8, 0.3])
    traits = TRAIT_PRIOR_LOC + trait_scale * normal(n_learners, 3)
    item_concept = torch.randint(n_concepts, (n_items,), generator=generator)
    item_difficulty = 0.8 * normal(n_concepts)[item_concept] + 0.5 * normal(n_items)
    rows = {"learner": [], "item": [], "concept": [], "time": [], "correct": []}
    for learner in range(n_learners):
        alpha, level, sigma = math.exp(traits[learner, 0]), float(traits[learner, 1]), math.exp(traits[learner, 2])
        stationary = sigma * sigma / (2 * alpha)
        d = torch.full((n_concepts,), float("nan"))
        last = torch.zeros(n_concepts)
        rights, wrongs = torch.zeros(n_concepts), torch.zeros(n_concepts)
        gaps = torch.exp(torch.empty(answers_per_learner).uniform_(math.log(1e-3), math.log(20.0), generator=generator))
        items = torch.randint(n_items, (answers_per_learner,), generator=generator)
        for time, item in zip(torch.cumsum(gaps, 0).tolist(), items.tolist(), strict=True):
            k = int(item_concept[item])
            if torch.isnan(d[k]):
                d[k] = math.sqrt(stationary) * float(normal(1))
            else:
                r = math.exp(-alpha * (time - float(last[k])))
                d[k] = r * d[k] + math.sqrt(stationary * (1 - r * r)) * float(normal(1))
            anchor = learn_right * math.log1p(rights[k]) + learn_wrong * math.log1p(wrongs[k])
            p = 1 / (1 + math.exp(-(level + anchor + float(d[k]) - float(item_difficulty[item]))))
            correct = float(torch.rand(1, generator=generator)) < p
            rights[k] += float(correct)
            wrongs[k] += 1 - float(correct)
            last[k] = time
            for key, value in zip(rows, (learner, item, k, time, float(correct)), strict=True):
                rows[key].append(value)
    answers = Answers(learner=torch.tensor(rows["learner"]), item=torch.tensor(rows["item"]),
                      concept=torch.tensor(rows["concept"]), time=torch.tensor(rows["time"]),
                      correct=torch.tensor(rows["correct"]))
    cohort = Cohort(answers=answers, item_concept=item_concept, n_learners=n_learners, n_items=n_items,
                    n_concepts=n_concepts)
    return Simulation(cohort=cohort, traits=traits, item_difficulty=item_difficulty)
