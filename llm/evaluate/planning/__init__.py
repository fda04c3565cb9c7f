r"""Planning on simulated learners: how many practice items each policy needs until the goal concepts are mastered,
and how much of what was mastered is still known a month after the course.

Simulator (learner l, concept k, item i; the learner model's generative process (``knowledge.learner``: practice
anchors ``practice_anchor``, general practice, discrimination, the OU forgetting ``ou_predict``, fading gains) with
transfer at a rate of the learner's own and practice that pays off only on ready prerequisites, neither of which the
policies' filter knows). The population comes from a PSI-KT cohort fit to real answers (``fit_population``: the
timestamped ASSISTments 2017 subset, stored in ``population.json``, so no data is needed to run this): the trait
population, and the mean and spread over the fitted concepts of each per-concept parameter, from which the course's
own values are drawn (per-concept values of one data set say nothing of another's concepts):

    traits      (log alpha_l, mu_l, log sigma_l) ~ N(trait_loc, diag trait_scale^2)   (mu_l read against a typical
                item: the fit's mu minus its mean concept difficulty), gamma_l ~ N(TRANSFER_MEAN, TRANSFER_SCALE^2)
                clipped to [0, 0.9] (set by hand: the fitted data has no prerequisite graph)
    concepts    beta_k^+ ~ N(.,.), beta_k^- ~ N(.,.) capped at beta_k^+, delta_k^{+-} ~ N(.,.),
                log kappa_k ~ N(.,.), each at the fitted population's mean and spread; g^{+-} as fitted
    knowledge   z_{l,k}(t) = mu_l + a_{l,k}(t) + d_{l,k}(t) + gamma_l sum_p w_{kp} z_{l,p}(t),
                w_{kp} = 1 / |pred(k)| for p in pred(k): the long-term mean of k is mu_l + a_{l,k} + gamma_l times
                the mean knowledge of its prerequisites, so z_l = (I - gamma_l W)^{-1} (mu_l + a_l + d_l)
    practice    a_{l,k} = beta_k^+ log(1 + R_{l,k}) + beta_k^- log(1 + F_{l,k})
                          + g^+ log(1 + right answers) + g^- log(1 + wrong answers)   (``practice_anchor``)
                where an answer on k adds its readiness e_{l,k} (not 1) to R (right) or F (wrong):
                e_{l,k} = sigmoid(sum_p w_{kp} kappa_p (z_{l,p} - b_p)), 1 without prerequisites: roughly how likely
                the learner is to handle k's prerequisites. Practice on top of weak prerequisites teaches little
                (e = 0.2 when they stand at P(correct) = 0.2, 0.8 when they are mastered), so order matters.
    fading gain each answer on k also adds e_{l,k} delta_k^+ (right) or e_{l,k} delta_k^- (wrong) to d_{l,k}: the
                part of the gain that forgetting takes back
    forgetting  d_{l,k} ~ OU towards 0 (``ou_predict``): d(t + dt) ~ N(r d(t), s_l^2 (1 - r^2)), r = exp(-alpha_l dt),
                s_l^2 = sigma_l^2 / (2 alpha_l); d starts from N(0, s_l^2): what a learner brings to each concept
    answers     y ~ Bernoulli(sigmoid(kappa_k (z_{l,k}(t) - b_i)))
    calendar    practice sessions of SESSION_ITEMS items, one a day: a minute per item, and a day's break after
                every SESSION_ITEMS items

A concept is mastered when P(correct on a typical item) = sigmoid(kappa_k (z_{l,k} - b_k)) >= MASTERY_TARGET, b_k the
mean difficulty of its items, judged on the TRUE state. The course is over for a learner when every goal concept is
mastered, or after ITEM_CAP items. Measured per policy:

- ``items_to_mastery``: the mean number of items until the course is over (ITEM_CAP for a learner who never
  masters every goal);
- ``retained_30d``: the share of the concepts mastered when the course is over that are still mastered
  RETENTION_DAYS later without practice (d drawn forward by the OU transition, the same draw for every policy),
  averaged over the learners who mastered any.

Policies pick one item at a time and see only the answers. The belief-driven ones read the online PSI-KT filter of
``knowledge.learner.filter`` over a Posterior holding the population (trait means and spreads, item difficulties,
the per-concept parameters at their population means, general practice; nothing of a learner's own traits, of the
course's own per-concept draws, of transfer or of readiness), as the app reads the learner model's:

- planner: the app's practice policy, ``llm.policy`` (the Planner's path toward the goals, reviews of fading
  concepts, the item with the most expected gain);
- planner_no_review: the same with reviews off;
- fsrs: the same with reviews off, and instead a review of a concept believed mastered whenever its FSRS card is due
  (each answer on the concept a review of the card: right Good, wrong Again; ``fsrs.Scheduler`` defaults);
- heuristic: the concept-by-concept heuristic the app used before (``heuristic``);
- topological: the concepts in a fixed topological order, a random item of the concept at a time, moving on
  after STREAK right in a row, starting over after the last.

Graphs: the demo course, as its course file is handed in (``tutoring/demo/course.yaml``: its concepts,
prerequisites and template difficulties; goals DEMO_GOALS) and an arithmetic subgraph of the Junyi 2015
prerequisite graph (goals JUNYI_GOALS and their ancestors; item difficulties drawn, harder with depth, since Junyi
gives none).

Modules: ``courses`` the two courses and MASTERY_TARGET; ``fit_population`` the population's fit to real answers;
``learners`` the population, the simulated learners and what the filter is told of them; ``heuristic`` the former
app heuristic; ``policies`` how each policy picks its items; ``simulation``
one policy's run on one course (``policy_run``); here, the summary over the policies and courses
(``planning_evaluate``).
"""

from __future__ import annotations

from pathlib import Path

import torch

from knowledge.evaluate.junyi import JUNYI_CYCLE_CUT, JUNYI_DIR, JUNYI_EDGES_FILE
from llm.evaluate.planning.courses import (
    DEMO_GOALS,
    JUNYI_GOALS,
    MASTERY_TARGET,
    PlanningCourse,
    demo_course_load,
    junyi_course_load,
)
from llm.evaluate.planning.learners import (
    TRANSFER_MEAN,
    TRANSFER_SCALE,
    Population,
    learners_draw,
    population_load,
)
from llm.evaluate.planning.policies import POLICIES, STREAK
from llm.evaluate.planning.simulation import ITEM_CAP, RETENTION_DAYS, SESSION_ITEMS, PolicyRun, policy_run
from llm.policy import REVIEW_HORIZON_DAYS


def items_summary(used: torch.Tensor) -> dict[str, float]:
    """Mean and 90th percentile of items to mastery, and the share of learners who got there within the cap."""
    values = used.float()
    return {"mean": round(float(values.mean()), 1), "p90": round(float(torch.quantile(values, 0.9)), 1),
            "reached": round(float((used < ITEM_CAP).float().mean()), 3)}


def policy_summary(run: PolicyRun) -> dict[str, float]:
    """``items_to_mastery``: mean items until every goal is mastered (ITEM_CAP for learners who never got there);
    ``retained_30d``: mean over the learners who mastered any concept of the share of those concepts they still
    know RETENTION_DAYS after the course."""
    some = run.mastered_at_end > 0
    retained = float(run.retained[some].mean()) if some.any() else 0.0
    return {"items_to_mastery": round(float(run.used.float().mean()), 1), "retained_30d": round(retained, 3)}


def course_evaluate(*, course: PlanningCourse, population: Population, n_learners: int,
                    seed: int) -> tuple[dict, dict]:
    """(the planning summary, the policy summary) of every policy on one course."""
    learners = learners_draw(population=population, n_learners=n_learners, n_concepts=len(course.names), seed=seed)
    planning: dict = {"concepts": len(course.names), "edges": course.graph.number_of_edges(),
                      "items": len(course.item_concept), "goals": [course.names[g] for g in course.goals]}
    policy: dict = {}
    for name in POLICIES:
        run = policy_run(course=course, population=population, learners=learners, policy=name, seed=seed)
        planning[name] = items_summary(run.used)
        policy[name] = policy_summary(run)
    planning["planner_saving_vs_topological"] = round(
        1 - planning["planner"]["mean"] / planning["topological"]["mean"], 3)
    return planning, policy


def planning_evaluate(*, course_file: Path | None, data_dir: Path, seed: int = 0, n_learners: int = 200) -> dict:
    """Items to mastery and retention per policy on the demo course (its ``course_file``) and on a Junyi arithmetic
    subgraph of the graph under ``data_dir`` (package docstring); without a course file, or without the Junyi graph
    there, that part is skipped with the reason. Returns {"planning": items to mastery in detail (mean, p90, share
    reached) with the settings, "policy": {course: {policy: {"items_to_mastery", "retained_30d"}}}}.
    """
    # The tensors here are small (learners x concepts): a second intra-op thread only waits on the first,
    # and on a shared machine that wait costs more than the work, so the run is single-threaded.
    population = population_load()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        planning: dict = {}
        policy: dict = {}
        if course_file is None:
            planning["demo"] = policy["demo"] = {"skipped": "no course file given"}
        else:
            planning["demo"], policy["demo"] = course_evaluate(course=demo_course_load(path=course_file),
                                                               population=population, n_learners=n_learners,
                                                               seed=seed)
        junyi_edges = data_dir / JUNYI_DIR / JUNYI_EDGES_FILE
        if junyi_edges.exists():
            junyi = junyi_course_load(data_dir=data_dir, seed=seed)
            planning["junyi"], policy["junyi"] = course_evaluate(course=junyi, population=population,
                                                                 n_learners=n_learners, seed=seed)
        else:
            planning["junyi"] = policy["junyi"] = {"skipped": f"no Junyi prerequisite graph at {junyi_edges}"}
    finally:
        torch.set_num_threads(threads)
    settings = {
        "mastery_target": MASTERY_TARGET, "item_cap": ITEM_CAP, "streak": STREAK,
        "population": population.source, "transfer_mean": TRANSFER_MEAN, "transfer_scale": TRANSFER_SCALE,
        "review_horizon_days": REVIEW_HORIZON_DAYS, "retention_days": RETENTION_DAYS,
        "session_items": SESSION_ITEMS, "demo_goals": list(DEMO_GOALS), "junyi_goals": list(JUNYI_GOALS),
        "junyi_cycle_edge_dropped": list(JUNYI_CYCLE_CUT),
    }
    # n and the settings sit inside "planning" so that merging this into a larger results dict clobbers nothing.
    return {"planning": {**planning, "n": n_learners, "settings": {"seed": seed, **settings}}, "policy": policy}

