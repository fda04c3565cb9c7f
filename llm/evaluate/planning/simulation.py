"""One policy on one course: the simulated learners practise, item by item, until their goals are mastered
(package docstring, the simulator)."""

from __future__ import annotations

import torch

from knowledge.learner.gaussian import ou_predict
from knowledge.learner.likelihood import practice_anchor
from llm.evaluate.planning.courses import MASTERY_TARGET, PlanningCourse
from llm.evaluate.planning.learners import LEARN_RIGHT, LEARN_WRONG, LearnerDraw, prerequisite_weights
from llm.evaluate.planning.policies import policy_start

ITEM_CAP = 400
SESSION_ITEMS = 30
MINUTE = 1.0 / 1440.0  # days


def policy_run(*, course: PlanningCourse, learners: LearnerDraw, policy: str, seed: int) -> torch.Tensor:
    """Items each learner needs until every goal is mastered (ITEM_CAP when never), shape (L,)."""
    n_learners, n_concepts = learners.offset.shape
    weights = prerequisite_weights(course.graph)
    has_prerequisites = weights.sum(1) > 0
    eye = torch.eye(n_concepts)
    spread = torch.linalg.inv(eye - learners.transfer[:, None, None] * weights)  # (L, K, K): (I - gamma W)^-1
    typical = course.concept_difficulty
    goals = torch.tensor(course.goals)
    # Common random numbers: every policy sees the same answer and forgetting noise at each step.
    noise = torch.Generator().manual_seed(seed)
    choice = torch.Generator().manual_seed(seed + 1)

    right = torch.zeros(n_learners, n_concepts)
    wrong = torch.zeros(n_learners, n_concepts)
    offset = learners.offset.clone()
    used = torch.full((n_learners,), ITEM_CAP)
    active = torch.ones(n_learners, dtype=torch.bool)
    chooser = policy_start(policy, course=course, n_learners=n_learners, seed=seed)
    time = 0.0
    for step in range(ITEM_CAP + 1):
        anchor = practice_anchor(right, wrong, torch.tensor(LEARN_RIGHT), torch.tensor(LEARN_WRONG))
        knowledge = (spread @ (learners.level[:, None] + anchor + offset).unsqueeze(-1)).squeeze(-1)  # (L, K)
        mastered = torch.sigmoid(knowledge[:, goals] - typical[goals]) >= MASTERY_TARGET
        finished = active & mastered.all(1)
        used[finished] = step
        active &= ~finished
        answer_draw = torch.rand(n_learners, generator=noise)
        forgetting_draw = torch.randn(n_learners, n_concepts, generator=noise)
        item_draw = torch.rand(n_learners, generator=choice)
        if step == ITEM_CAP or not active.any():
            break
        who = torch.nonzero(active).squeeze(1)
        concept, item = chooser.pick(who, step=step, time=time, item_draw=item_draw[who])

        # The true answer, and what it teaches.
        z = knowledge[who, concept]
        correct = (answer_draw[who] < torch.sigmoid(z - course.item_difficulty[item])).float()
        base = ((knowledge - typical) @ weights.T)[who, concept]  # sum_p w_kp (z_p - b_p)
        readiness = torch.where(has_prerequisites[concept], torch.sigmoid(base), 1.0)
        right[who, concept] += readiness * correct
        wrong[who, concept] += readiness * (1 - correct)
        chooser.observe(who, concept=concept, item=item, correct=correct, time=time)

        gap = MINUTE + (1.0 if (step + 1) % SESSION_ITEMS == 0 else 0.0)
        mean, variance = ou_predict(offset, torch.zeros_like(offset), torch.tensor(gap), learners.alpha[:, None],
                                    learners.stationary[:, None])
        offset = mean + variance.sqrt() * forgetting_draw
        time += gap
    return used
