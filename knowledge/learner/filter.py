r"""The online filter: one answer at a time, a learner's belief moves at once (between cohort refits).

For a learner the cohort fit has not seen, mu_l is part of the filter's state (started at the population prior
and updated with every answer), and alpha, sigma take the population means; a learner the fit has seen can run
with its fitted traits, mu_l then fixed, and the filter's likelihood is the fit's (``chain_log_likelihood``).

What a learner and their teacher read as mastery is the evidence part of the belief (``filter_mastery``): the
level, the knowledge path d, and of the lasting gains (on the concept, along the edges, over all concepts) the part
that counts right answers for the learner and wrong ones against. Practice exposure stays apart from it: the
lasting gain e every answer brings, right or wrong (``exposure_gain``; beta^- <= beta^+ by the model's
parametrisation), the fading gains f and the recency term h. They move the next answer's prediction
(``filter_success``), not what the evidence says the learner knows. So mastery never rises on a wrong answer, nor
falls on a right one: the answer moves the level and d in its own direction, and the evidence gains too.

Shapes: L learners in the state, K concepts, B answers in a step (one per learner), M concepts per item at most.
"""

from __future__ import annotations

from dataclasses import dataclass

import torch

from knowledge.learner.data import RECENCY_DECAY, Answers, concept_sets_of
from knowledge.learner.gaussian import answer_moments, answer_update, ou_predict, probit_absorb
from knowledge.learner.likelihood import practice_anchor
from knowledge.learner.posterior import Posterior


@dataclass
class FilterState:
    """The online filter's belief about L learners (tensors, updated in place).

    level ~ N(level_mean, level_var) is mu_l; given it, the d_{l,k} are independent,
    d_{l,k} | mu_l ~ N(offset + coupling mu_l, variance), as of ``last_seen`` (NaN: never answered, d then has its
    stationary law, coupling 0). This is the exact form of the joint Gaussian belief here, because every answer
    involves mu_l and one d_{l,k} (see ``answer_update``). fresh holds the fading gains f_{l,k} as of
    ``last_seen``: they fade with d, and are practice, not evidence. right / wrong count answers per concept, totals per
    learner; recent_right / recent_wrong are the sums of the recency term h (see ``recent_sums``); alpha and
    stationary (s_l^2) are each learner's forgetting rate and stationary variance of d.
    """

    level_mean: torch.Tensor  # (L,)
    level_var: torch.Tensor  # (L,)
    offset: torch.Tensor  # (L, K)
    fresh: torch.Tensor  # (L, K)
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
        fresh=torch.zeros(n_learners, n_concepts),
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


def transfer_now(posterior: Posterior, state: FilterState, who: torch.Tensor, k: torch.Tensor, *,
                 learn_right: torch.Tensor, learn_wrong: torch.Tensor) -> torch.Tensor:
    """c_{l,k} = gamma sum_{j -> k} w_{jk} a_{l,j} from the state's practice counts, shape (len(who),), with a_{l,j}
    built from these gains (K,) (see ``_gains``)."""
    parent, child = posterior.edges[:, 0], posterior.edges[:, 1]  # (E,)
    learners, position = torch.unique(who, return_inverse=True)  # (U,): once per learner, not per (learner, k)
    built = practice_anchor(state.right[learners][:, parent], state.wrong[learners][:, parent],
                            learn_right[parent], learn_wrong[parent])  # (U, E)
    into = torch.zeros(state.right[learners].shape).index_add_(1, child, posterior.edge_weight * built)  # (U, K)
    return posterior.gamma * into[position, k]


def _gains(posterior: Posterior, *, evidence: bool) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """The lasting gains (beta^+ (K,), beta^- (K,), (g^+, g^-)): all of them, or with ``evidence`` only the part
    that is evidence (see the module docstring)."""
    if not evidence:
        return posterior.learn_right, posterior.learn_wrong, posterior.general
    learn_exposure = exposure_gain(posterior.learn_right, posterior.learn_wrong)  # (K,)
    general_exposure = exposure_gain(posterior.general[0], posterior.general[1])
    return (posterior.learn_right - learn_exposure, posterior.learn_wrong - learn_exposure,
            posterior.general - general_exposure)


def exposure_gain(right_gain: torch.Tensor, wrong_gain: torch.Tensor) -> torch.Tensor:
    """e, the lasting gain every answer brings, right or wrong, whatever it shows: of the gains beta^+ >= beta^-
    the value in [beta^-, beta^+] nearest 0. The rest is evidence, beta^+ - e >= 0 for a right answer and
    beta^- - e <= 0 for a wrong one; taking e nearest 0 leaves out of mastery as little of the prediction as that
    allows (e = beta^- when wrong answers too leave a gain; e = 0 when they count against the learner)."""
    return torch.minimum(torch.clamp(wrong_gain, min=0.0), right_gain)


def _knowledge_now(state: FilterState, who: torch.Tensor, k: torch.Tensor,
                   time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor, torch.Tensor]:
    """Belief about d_{l,k} | mu_l carried forward to ``time`` (the stationary law if never answered), and the
    fading gains f_{l,k}: (offset, coupling, variance, fresh). The OU transition scales d, so offset and coupling
    alike, by r = exp(-alpha dt), and f fades with it."""
    alpha, stationary = state.alpha[who], state.stationary[who]
    gap = time - state.last_seen[who, k]
    known = ~torch.isnan(gap)
    dt = torch.where(known, gap.clamp(min=0), 0.0)
    offset, variance = ou_predict(state.offset[who, k], state.variance[who, k], dt, alpha, stationary)
    r = torch.exp(-alpha * dt)
    return (torch.where(known, offset, 0.0), torch.where(known, state.coupling[who, k] * r, 0.0),
            torch.where(known, variance, stationary), torch.where(known, state.fresh[who, k] * r, 0.0))


def _anchor_now(posterior: Posterior, state: FilterState, who: torch.Tensor, concepts: torch.Tensor, *,
                evidence: bool = False) -> torch.Tensor:
    """The anchor of an item with these concepts (B, M), -1 padded: the mean over them of a_{l,k} + c_{l,k}
    (practice on k and, along the graph's edges, on k's prerequisites), plus the general practice term and the
    recency term h_l. With ``evidence``, only the evidence gains of right answers (``_gains``), without h_l."""
    learn_right, learn_wrong, general = _gains(posterior, evidence=evidence)
    present = concepts >= 0
    k = concepts.clamp(min=0)
    learner = who[:, None].expand_as(k)
    built = practice_anchor(state.right[learner, k], state.wrong[learner, k], learn_right[k], learn_wrong[k])  # (B, M)
    if len(posterior.edge_weight):
        built = built + transfer_now(posterior, state, learner.flatten(), k.flatten(), learn_right=learn_right,
                                     learn_wrong=learn_wrong).reshape(k.shape)
    share = present / present.sum(dim=1, keepdim=True)  # (B, M)
    anchor = (share * built).sum(dim=1) + practice_anchor(state.total_right[who], state.total_wrong[who], general[0],
                                                          general[1])
    if not evidence:
        anchor = (anchor + posterior.recency[0] * state.recent_right[who]
                  + posterior.recency[1] * state.recent_wrong[who])
    return anchor


def _guess(posterior: Posterior, retry: torch.Tensor | None) -> torch.Tensor | None:
    """The chance of each answer being right without the knowledge: the fitted f on a retry, else 0 (see
    ``probit_absorb``)."""
    return None if retry is None else torch.where(retry, posterior.retry_guess, 0.0)


def filter_step(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                difficulty: torch.Tensor, time: torch.Tensor, correct: torch.Tensor,
                observe: torch.Tensor, concepts: torch.Tensor | None = None,
                retry: torch.Tensor | None = None) -> torch.Tensor:
    """One answer for each learner in ``who`` (distinct): predict P(correct), then absorb the answer.

    ``concept`` is the item's main concept; ``concepts`` (B, M), -1 padded, main first, all of them when the
    item has several (see ``Answers``). The answer moves the level and d of the main concept, the practice counts
    of every one and the learner's recency sums; the others' d are carried forward to ``time``, which leaves their
    law as it was (the OU transition composes), and the main concept gets the answer's fading gain. Where
    ``observe`` is False the answer is not read: the belief is only carried forward in time, and the practice
    counts, the recency sums and the fading gain grow by the expected answer (p right, 1 - p wrong). ``retry``
    (B,) bool marks retries, whose right answers are weaker evidence (``probit_absorb``'s guess). Returns p,
    shape (len(who),).
    """
    sets = concept_sets_of(concept, concepts)
    offset_now, coupling_now, variance_now, fresh_now = _knowledge_now(state, who, concept, time)
    y = torch.where(observe, correct, 0.0)
    p, level_mean, level_var, offset, coupling, variance = answer_update(
        state.level_mean[who], state.level_var[who], offset_now + fresh_now, coupling_now, variance_now,
        difficulty - _anchor_now(posterior, state, who, sets), posterior.discrimination[concept], y,
        _guess(posterior, retry))
    offset = offset - fresh_now  # the update moved the evidence part only
    outcome = torch.where(observe, y, p)
    present = sets >= 0
    touched = sets[present]  # (T,) every concept of every item answered
    touched_who, at, touched_outcome = (value[:, None].expand_as(sets)[present] for value in (who, time, outcome))
    (state.offset[touched_who, touched], state.coupling[touched_who, touched],
     state.variance[touched_who, touched], state.fresh[touched_who, touched]) = _knowledge_now(
        state, touched_who, touched, at)
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
    state.offset[who, concept] = torch.where(observe, offset, offset_now)
    state.fresh[who, concept] = fresh_now + gain
    state.coupling[who, concept] = torch.where(observe, coupling, coupling_now)
    state.variance[who, concept] = torch.where(observe, variance, variance_now)
    return p


def filter_success(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                   difficulty: torch.Tensor, time: torch.Tensor,
                   concepts: torch.Tensor | None = None) -> torch.Tensor:
    """P(correct) at ``time`` on items of these difficulties (a first try), without changing the state: the
    prediction, with the practice exposure and how the last answers went. ``concepts``: as in ``filter_step``, for
    items with several concepts.

    z - b ~ N(m, v) (``answer_moments``, the item's anchor taken off b): p = Phi(lambda kappa m / sqrt(1 + lambda^2
    kappa^2 v)), kappa the main concept's discrimination.
    """
    offset, coupling, variance, fresh = _knowledge_now(state, who, concept, time)
    sets = concept_sets_of(concept, concepts)
    m, v = answer_moments(state.level_mean[who], state.level_var[who], offset + fresh, coupling, variance,
                          difficulty - _anchor_now(posterior, state, who, sets))
    log_p, _, _ = probit_absorb(m, v, torch.ones_like(m), posterior.discrimination[concept])
    return torch.exp(log_p)


def filter_mastery(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                   difficulty: torch.Tensor, time: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """Mastery at ``time``: what the evidence says the learner knows of each concept (the module docstring), as
    the chance of a right answer on an item of this difficulty, with a 90 % interval.

    u = mu + d - b + evidence anchor ~ N(m, v) (``answer_moments``); mastery is its median sigmoid(kappa m) and the
    interval sigmoid(kappa (m -+ 1.645 sqrt(v))). The median moves with m alone: an answer moves m in its own
    direction, while the spread it takes away cannot turn a right answer into a fall (as the predictive
    probability can, for a concept believed weak) or a wrong one into a rise.
    """
    offset, coupling, variance, _ = _knowledge_now(state, who, concept, time)
    m, v = answer_moments(state.level_mean[who], state.level_var[who], offset, coupling, variance,
                          difficulty - _anchor_now(posterior, state, who, concept[:, None], evidence=True))
    kappa = posterior.discrimination[concept]
    half_width = 1.6448536269514722 * torch.sqrt(v)
    return torch.sigmoid(kappa * m), torch.sigmoid(kappa * (m - half_width)), torch.sigmoid(kappa * (m + half_width))


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
    sets, retry = answers.concept_sets(), answers.retries()
    for step in range(int(counts.max())):
        rows = order[starts[counts > step] + step]  # one row per learner that has a step-th answer
        prediction[rows] = filter_step(posterior, state, who=position[rows], concept=answers.concept[rows],
                                       difficulty=difficulty[rows], time=answers.time[rows],
                                       correct=answers.correct[rows], observe=observe[rows], concepts=sets[rows],
                                       retry=retry[rows])
    return prediction, state
