"""Simulated cohorts drawn from the generative model, for tests and the benchmark: random practice, or a course
taught in sessions."""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch

from knowledge.learner.data import Answers
from knowledge.learner.model import Cohort
from knowledge.learner.posterior import TRAIT_PRIOR_LOC

# Population spread of the simulated learners' traits (log alpha, mu, log sigma) around TRAIT_PRIOR_LOC.
SIMULATED_TRAIT_SCALE = torch.tensor([0.5, 0.8, 0.3])

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
    (E, 2) with ``edge_weight`` (E,) and ``gamma`` add the transfer c_{l,k} of ``knowledge.learner`` (g is 0 here);
    ``discrimination`` (K,) is each concept's kappa_k (default 1).
    """
    generator = torch.Generator().manual_seed(seed)
    normal = lambda *shape: torch.randn(*shape, generator=generator)  # noqa: E731
    traits = TRAIT_PRIOR_LOC + SIMULATED_TRAIT_SCALE * normal(n_learners, 3)
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
