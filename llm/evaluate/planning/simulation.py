"""One policy on one course: the simulated learners practise, item by item, on successive days, until their goals
are mastered; then the course is over, and 30 days later what they still know is read (package docstring, the
simulator)."""

from __future__ import annotations

from dataclasses import dataclass

import torch

from knowledge.learner.gaussian import ou_predict
from knowledge.learner.likelihood import practice_anchor
from llm.evaluate.planning.courses import MASTERY_TARGET, PlanningCourse
from llm.evaluate.planning.learners import LearnerDraw, Population, prerequisite_weights
from llm.evaluate.planning.policies import policy_start

ITEM_CAP = 400
SESSION_ITEMS = 30  # items in a day's practice session
MINUTE = 1.0 / 1440.0  # days
RETENTION_DAYS = 30  # how long after the course what the learner still knows is read


@dataclass(frozen=True)
class Practice:
    """Each learner's practice so far: answers on each concept, right and wrong, weighed by readiness (they build
    that concept), and all answers, right and wrong (general practice)."""

    right: torch.Tensor  # (L, K)
    wrong: torch.Tensor  # (L, K)
    total_right: torch.Tensor  # (L,)
    total_wrong: torch.Tensor  # (L,)

    @classmethod
    def none(cls, n_learners: int, n_concepts: int) -> Practice:
        return cls(right=torch.zeros(n_learners, n_concepts), wrong=torch.zeros(n_learners, n_concepts),
                   total_right=torch.zeros(n_learners), total_wrong=torch.zeros(n_learners))

    def add(self, who: torch.Tensor, concept: torch.Tensor, *, correct: torch.Tensor,
            readiness: torch.Tensor) -> None:
        """One answer (``correct`` 1 or 0) per learner in ``who`` on ``concept``, in place."""
        self.right[who, concept] += readiness * correct
        self.wrong[who, concept] += readiness * (1 - correct)
        self.total_right[who] += correct
        self.total_wrong[who] += 1 - correct

    def keep(self, other: Practice, rows: torch.Tensor) -> None:
        """Copy ``other``'s practice of the learners ``rows`` (bool (L,)) into this one."""
        for name in ("right", "wrong", "total_right", "total_wrong"):
            getattr(self, name)[rows] = getattr(other, name)[rows]


@dataclass(frozen=True)
class PolicyRun:
    used: torch.Tensor  # (L,) items until every goal was mastered, ITEM_CAP when never
    retained: torch.Tensor  # (L,) share of the concepts mastered at the end still mastered RETENTION_DAYS later
    mastered_at_end: torch.Tensor  # (L,) how many concepts were mastered at the end


def policy_run(*, course: PlanningCourse, population: Population, learners: LearnerDraw, policy: str,
               seed: int) -> PolicyRun:
    """One policy's run over the learners drawn from ``population`` (package docstring)."""
    n_learners, n_concepts = learners.offset.shape
    weights = prerequisite_weights(course.graph)
    has_prerequisites = weights.sum(1) > 0
    eye = torch.eye(n_concepts)
    spread = torch.linalg.inv(eye - learners.transfer[:, None, None] * weights)  # (L, K, K): (I - gamma W)^-1
    typical = course.concept_difficulty
    goals = torch.tensor(course.goals)
    # Common random numbers: every policy sees the same answer, forgetting and retention noise at each step.
    noise = torch.Generator().manual_seed(seed)
    choice = torch.Generator().manual_seed(seed + 1)
    retention_draw = torch.randn(n_learners, n_concepts, generator=torch.Generator().manual_seed(seed + 2))

    kappa = learners.discrimination

    def knowledge_of(practice: Practice, offset: torch.Tensor) -> torch.Tensor:
        anchor = (practice_anchor(practice.right, practice.wrong, learners.learn_right, learners.learn_wrong)
                  + practice_anchor(practice.total_right, practice.total_wrong, *learners.general)[:, None])
        return (spread @ (learners.level[:, None] + anchor + offset).unsqueeze(-1)).squeeze(-1)  # (L, K)

    practice = Practice.none(n_learners, n_concepts)
    offset = learners.offset.clone()
    used = torch.full((n_learners,), ITEM_CAP)
    end_offset = offset.clone()  # d of each learner when the course ended
    end_practice = Practice.none(n_learners, n_concepts)
    active = torch.ones(n_learners, dtype=torch.bool)
    chooser = policy_start(policy, course=course, population=population, n_learners=n_learners, seed=seed)
    time = 0.0
    for step in range(ITEM_CAP + 1):
        knowledge = knowledge_of(practice, offset)
        mastered = torch.sigmoid(kappa[goals] * (knowledge[:, goals] - typical[goals])) >= MASTERY_TARGET
        finished = active & (mastered.all(1) | (step == ITEM_CAP))
        used[finished] = torch.where(mastered.all(1)[finished], step, ITEM_CAP)
        end_offset[finished] = offset[finished]
        end_practice.keep(practice, finished)
        active &= ~finished
        answer_draw = torch.rand(n_learners, generator=noise)
        forgetting_draw = torch.randn(n_learners, n_concepts, generator=noise)
        item_draw = torch.rand(n_learners, generator=choice)
        if not active.any():
            break
        who = torch.nonzero(active).squeeze(1)
        concept, item = chooser.pick(who, step=step, time=time, item_draw=item_draw[who])

        # The true answer, and what it teaches: the lasting part by readiness, the fading part into d.
        z = knowledge[who, concept]
        correct = (answer_draw[who] < torch.sigmoid(kappa[concept] * (z - course.item_difficulty[item]))).float()
        base = ((kappa * (knowledge - typical)) @ weights.T)[who, concept]  # sum_p w_kp kappa_p (z_p - b_p)
        readiness = torch.where(has_prerequisites[concept], torch.sigmoid(base), 1.0)
        practice.add(who, concept, correct=correct, readiness=readiness)
        offset[who, concept] += readiness * (correct * learners.fading_right[concept]
                                             + (1 - correct) * learners.fading_wrong[concept])
        chooser.observe(who, concept=concept, item=item, correct=correct, time=time)

        gap = MINUTE + (1.0 if (step + 1) % SESSION_ITEMS == 0 else 0.0)
        mean, variance = ou_predict(offset, torch.zeros_like(offset), torch.tensor(gap), learners.alpha[:, None],
                                    learners.stationary[:, None])
        offset = mean + variance.sqrt() * forgetting_draw
        time += gap

    at_end = torch.sigmoid(kappa * (knowledge_of(end_practice, end_offset) - typical)) >= MASTERY_TARGET
    mean, variance = ou_predict(end_offset, torch.zeros_like(end_offset), torch.tensor(float(RETENTION_DAYS)),
                                learners.alpha[:, None], learners.stationary[:, None])
    later = (torch.sigmoid(kappa * (knowledge_of(end_practice, mean + variance.sqrt() * retention_draw) - typical))
             >= MASTERY_TARGET)
    kept = (at_end & later).sum(1).float()
    count = at_end.sum(1)
    return PolicyRun(used=used, retained=kept / count.clamp(min=1), mastered_at_end=count)
