r"""Planning on simulated learners: how many practice items each policy needs until the goal concepts are mastered.

Simulator (learner l, concept k, item i; the learner model's generative process (``knowledge.learner``) with
transfer at a rate of the learner's own and practice that pays off only on ready prerequisites, neither of which the
policies' filter knows):

    traits      (log alpha_l, mu_l, log sigma_l) ~ N(TRAIT_PRIOR_LOC, diag TRAIT_SCALE^2),
                gamma_l ~ N(TRANSFER_MEAN, TRANSFER_SCALE^2) clipped to [0, 0.9]
    knowledge   z_{l,k}(t) = mu_l + a_{l,k}(t) + d_{l,k}(t) + gamma_l sum_p w_{kp} z_{l,p}(t),
                w_{kp} = 1 / |pred(k)| for p in pred(k): the long-term mean of k is mu_l + a_{l,k} + gamma_l times
                the mean knowledge of its prerequisites, so z_l = (I - gamma_l W)^{-1} (mu_l + a_l + d_l)
    practice    a_{l,k} = LEARN_RIGHT log(1 + R_{l,k}) + LEARN_WRONG log(1 + F_{l,k})   (``practice_anchor``)
                where an answer on k adds its readiness e_{l,k} (not 1) to R (right) or F (wrong):
                e_{l,k} = sigmoid(sum_p w_{kp} (z_{l,p} - b_p)), 1 without prerequisites: roughly how likely the
                learner is to handle k's prerequisites. Practice on top of weak prerequisites teaches little
                (e = 0.2 when they stand at P(correct) = 0.2, 0.8 when they are mastered), so order matters.
    forgetting  d_{l,k} ~ OU towards 0 (``ou_predict``): d(t + dt) ~ N(r d(t), s_l^2 (1 - r^2)), r = exp(-alpha_l dt),
                s_l^2 = sigma_l^2 / (2 alpha_l); d starts from N(0, s_l^2): what a learner brings to each concept
    answers     y ~ Bernoulli(sigmoid(z_{l,k}(t) - b_i))
    time        one minute per item, and a day's break after every SESSION_ITEMS items

A concept is mastered when P(correct on a typical item) = sigmoid(z_{l,k} - b_k) >= MASTERY_TARGET, b_k the mean
difficulty of its items; a learner is done when every goal concept is mastered, judged on the TRUE state, or
after ITEM_CAP items (then counted as ITEM_CAP). Policies pick one item at a time and see only the answers:

- practice: the policy students get in the app, ``llm.policy.practice_next``, reading the beliefs of the online
  filter below as the app reads the learner model's;
- planner: the online PSI-KT filter of ``knowledge.learner.filter`` (``filter_start`` / ``filter_step`` /
  ``filter_success``) over a Posterior holding the simulation's population parameters (trait means and spreads,
  item difficulties, the learning rates; it knows nothing of transfer or readiness) gives a ConceptBelief per
  concept; after every answer ``concept_path_plan`` replans and the first concept of the plan is practised,
  with the item whose predicted success is nearest ITEM_SUCCESS_AIM;
- topological: the concepts in a fixed topological order, a random item of the concept at a time, moving on
  after STREAK right in a row, starting over after the last;
- heuristic (GraphMASAL-style): among the goals and their ancestors that the same filter believes unmastered,
  the concept maximising 0.5 (1 - mastery) + 0.3 difficulty + 0.2 fan-out (both scaled to [0, 1]), with the
  planner's item rule.
When a belief-driven policy believes everything mastered, it practises the goal it believes weakest.

Graphs: the demo course, as its course file is handed in (``tutoring/demo/course.yaml``: its concepts,
prerequisites and template difficulties; goals DEMO_GOALS) and an arithmetic subgraph of the Junyi 2015
prerequisite graph (goals JUNYI_GOALS and their ancestors; item difficulties drawn, harder with depth, since Junyi
gives none).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import torch
import yaml

from knowledge.evaluate.datasets import data_dir_default
from knowledge.evaluate.junyi import JUNYI_CYCLE_CUT, JUNYI_DIR, JUNYI_EDGES_FILE, junyi_graph
from knowledge.learner.filter import FilterState, filter_start, filter_step, filter_success
from knowledge.learner.gaussian import ou_predict
from knowledge.learner.likelihood import practice_anchor
from knowledge.learner.model import TRAIT_PRIOR_LOC
from knowledge.learner.posterior import Posterior
from llm.agents.planner import concept_path_plan
from llm.agents.schema import ConceptBelief
from llm.policy import READY, ConceptOption, practice_next

DEMO_GOALS = ("equations-variables-both-sides", "percent", "proportions")
JUNYI_GOALS = ("division_4", "least_common_multiple")

TRAIT_SCALE = torch.tensor([0.5, 0.8, 0.3])  # population spread of log alpha, mu, log sigma (as cohort_simulate)
TRANSFER_MEAN, TRANSFER_SCALE = 0.4, 0.1
# About five answers take a concept from a coin flip to mastery (+1.39 logits) when its prerequisites are mastered.
LEARN_RIGHT, LEARN_WRONG = 1.0, 0.4
MASTERY_TARGET = 0.8
ITEM_CAP = 400
SESSION_ITEMS = 30
MINUTE = 1.0 / 1440.0  # days
STREAK = 3
ITEM_SUCCESS_AIM = 0.7
JUNYI_ITEMS_PER_CONCEPT = 4


@dataclass(frozen=True)
class PlanningCourse:
    """A course cut to the goals and their ancestors; concepts are 0..K-1 in topological order."""

    name: str
    graph: nx.DiGraph  # prerequisite -> concept
    names: tuple[str, ...]  # (K,)
    goals: tuple[int, ...]
    item_concept: torch.Tensor  # (I,) long
    item_difficulty: torch.Tensor  # (I,)

    @property
    def concept_difficulty(self) -> torch.Tensor:
        """b_k: mean difficulty of the concept's items, (K,)."""
        k = len(self.names)
        total = torch.zeros(k).index_add_(0, self.item_concept, self.item_difficulty)
        return total / torch.bincount(self.item_concept, minlength=k)


@dataclass(frozen=True)
class LearnerDraw:
    """True simulated learners at the start: traits and what they bring to each concept."""

    alpha: torch.Tensor  # (L,)
    level: torch.Tensor  # (L,) mu
    stationary: torch.Tensor  # (L,) s^2 = sigma^2 / (2 alpha)
    transfer: torch.Tensor  # (L,) gamma
    offset: torch.Tensor  # (L, K) d at time 0


def course_cut(*, name: str, graph: nx.DiGraph, goals: tuple[str, ...],
               items: Callable[[list[str]], tuple[torch.Tensor, torch.Tensor]]) -> PlanningCourse:
    """Keep the goals and their ancestors, number them in topological order (ties by name), attach items.

    ``items(names)`` returns (item_concept, item_difficulty) for the numbered concepts.
    """
    region = set(goals).union(*(nx.ancestors(graph, g) for g in goals))
    names = list(nx.lexicographical_topological_sort(graph.subgraph(region)))
    index = {n: i for i, n in enumerate(names)}
    cut = nx.DiGraph()
    cut.add_nodes_from(range(len(names)))
    cut.add_edges_from((index[p], index[c]) for p, c in graph.subgraph(region).edges)
    item_concept, item_difficulty = items(names)
    return PlanningCourse(name=name, graph=cut, names=tuple(names), goals=tuple(index[g] for g in goals),
                          item_concept=item_concept, item_difficulty=item_difficulty)


def demo_course_load(*, path: Path) -> PlanningCourse:
    """The demo course; each template is an item of its first concept, with its authored difficulty."""
    course = yaml.safe_load(path.read_text(encoding="utf-8"))
    graph = nx.DiGraph()
    graph.add_nodes_from(c["slug"] for c in course["concepts"])
    graph.add_edges_from(tuple(edge) for edge in course["prerequisites"])

    def items(names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        index = {n: i for i, n in enumerate(names)}
        rows = [(index[t["concepts"][0]], float(t.get("difficulty", 0.0)))
                for t in course["templates"] if t["concepts"][0] in index]
        return torch.tensor([r[0] for r in rows]), torch.tensor([r[1] for r in rows])

    return course_cut(name="demo", graph=graph, goals=DEMO_GOALS, items=items)


def junyi_course_load(*, data_dir: Path, seed: int) -> PlanningCourse:
    """Arithmetic goals of the Junyi graph and their ancestors, after cutting its two self-loops and one 3-cycle.

    Junyi has no item difficulties: each concept gets JUNYI_ITEMS_PER_CONCEPT items with
    b_k = -1.5 + 2.5 depth_k / max depth + N(0, 0.3^2) (depth: longest prerequisite chain above k, so later
    exercises are harder, as in the demo course) and b_i = b_k + N(0, 0.3^2).
    """
    graph = junyi_graph(data_dir / JUNYI_DIR)  # self-loops and the one 3-cycle cut (knowledge.evaluate.junyi)
    generator = torch.Generator().manual_seed(seed + 7919)

    def items(names: list[str]) -> tuple[torch.Tensor, torch.Tensor]:
        index = {n: i for i, n in enumerate(names)}
        depth = torch.zeros(len(names))
        for n in names:  # topological order: every prerequisite is done before n
            preds = [index[p] for p in graph.predecessors(n) if p in index]
            depth[index[n]] = 1 + max(float(depth[p]) for p in preds) if preds else 0.0
        concept_b = -1.5 + 2.5 * depth / depth.max() + 0.3 * torch.randn(len(names), generator=generator)
        item_concept = torch.arange(len(names)).repeat_interleave(JUNYI_ITEMS_PER_CONCEPT)
        spread = 0.3 * torch.randn(len(item_concept), generator=generator)
        return item_concept, concept_b[item_concept] + spread

    return course_cut(name="junyi", graph=graph, goals=JUNYI_GOALS, items=items)


def learners_draw(*, n_learners: int, n_concepts: int, seed: int) -> LearnerDraw:
    generator = torch.Generator().manual_seed(seed)
    traits = TRAIT_PRIOR_LOC + TRAIT_SCALE * torch.randn(n_learners, 3, generator=generator)
    alpha, sigma = torch.exp(traits[:, 0]), torch.exp(traits[:, 2])
    stationary = sigma**2 / (2 * alpha)
    transfer = (TRANSFER_MEAN + TRANSFER_SCALE * torch.randn(n_learners, generator=generator)).clamp(0.0, 0.9)
    offset = stationary.sqrt()[:, None] * torch.randn(n_learners, n_concepts, generator=generator)
    return LearnerDraw(alpha=alpha, level=traits[:, 1], stationary=stationary, transfer=transfer, offset=offset)


def prerequisite_weights(graph: nx.DiGraph) -> torch.Tensor:
    """W (K, K): w_{kp} = 1 / |pred(k)| for each prerequisite p of k, else 0."""
    weights = torch.zeros(graph.number_of_nodes(), graph.number_of_nodes())
    for k in graph.nodes:
        preds = list(graph.predecessors(k))
        for p in preds:
            weights[k, p] = 1.0 / len(preds)
    return weights


def course_posterior(course: PlanningCourse) -> Posterior:
    """What the planner's filter knows: the simulation's population parameters and item difficulties."""
    k = len(course.names)
    return Posterior(
        trait_loc=TRAIT_PRIOR_LOC.clone(), trait_scale=TRAIT_SCALE.clone(), traits=torch.empty(0, 3),
        item_difficulty=course.item_difficulty, concept_difficulty=course.concept_difficulty,
        learn_right=torch.full((k,), LEARN_RIGHT), learn_wrong=torch.full((k,), LEARN_WRONG),
        fading_gain=torch.zeros(k, 2), discrimination=torch.ones(k), general=torch.zeros(2),
        item_seen=torch.ones(len(course.item_difficulty), dtype=torch.bool),
    )


def _beliefs_now(posterior: Posterior, state: FilterState, *, who: torch.Tensor, time: float,
                 n_concepts: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Believed mastery (n, K) on a typical item of each concept, and the width of its 90 % interval."""
    concept = torch.arange(n_concepts).repeat(len(who))
    p, low, high = filter_success(posterior, state, who=who.repeat_interleave(n_concepts), concept=concept,
                                  difficulty=posterior.concept_difficulty[concept],
                                  time=torch.full((len(concept),), time))
    return p.view(len(who), n_concepts), (high - low).view(len(who), n_concepts)


def _item_nearest_aim(posterior: Posterior, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                      item_table: torch.Tensor, time: float) -> torch.Tensor:
    """For each learner, the item of its concept whose predicted success is nearest ITEM_SUCCESS_AIM."""
    candidates = item_table[concept]  # (n, J), -1 pads
    width = candidates.shape[1]
    p, _, _ = filter_success(posterior, state, who=who.repeat_interleave(width),
                             concept=concept.repeat_interleave(width),
                             difficulty=posterior.item_difficulty[candidates.clamp(min=0).flatten()],
                             time=torch.full((len(who) * width,), time))
    gap = (p.view(-1, width) - ITEM_SUCCESS_AIM).abs().masked_fill(candidates < 0, math.inf)
    return candidates.gather(1, gap.argmin(1, keepdim=True)).squeeze(1)


def policy_run(*, course: PlanningCourse, learners: LearnerDraw, policy: str, seed: int) -> torch.Tensor:
    """Items each learner needs until every goal is mastered (ITEM_CAP when never), shape (L,)."""
    n_learners, n_concepts = learners.offset.shape
    weights = prerequisite_weights(course.graph)
    has_prerequisites = weights.sum(1) > 0
    eye = torch.eye(n_concepts)
    spread = torch.linalg.inv(eye - learners.transfer[:, None, None] * weights)  # (L, K, K): (I - gamma W)^-1
    typical = course.concept_difficulty
    typical_list = typical.tolist()
    goals = torch.tensor(course.goals)
    per_concept = torch.bincount(course.item_concept, minlength=n_concepts)
    item_table = torch.full((n_concepts, int(per_concept.max())), -1)
    for k in range(n_concepts):
        members = torch.nonzero(course.item_concept == k).squeeze(1)
        item_table[k, : len(members)] = members
    # Common random numbers: every policy sees the same answer and forgetting noise at each step.
    noise = torch.Generator().manual_seed(seed)
    choice = torch.Generator().manual_seed(seed + 1)

    right = torch.zeros(n_learners, n_concepts)
    wrong = torch.zeros(n_learners, n_concepts)
    offset = learners.offset.clone()
    used = torch.full((n_learners,), ITEM_CAP)
    active = torch.ones(n_learners, dtype=torch.bool)
    posterior = course_posterior(course)
    state = filter_start(posterior, n_learners=n_learners)
    position = torch.zeros(n_learners, dtype=torch.long)
    streak = torch.zeros(n_learners, dtype=torch.long)
    order = list(nx.lexicographical_topological_sort(course.graph))
    difficulty_scaled = (typical - typical.min()) / (typical.max() - typical.min()).clamp(min=1e-9)
    fan_out = torch.tensor([course.graph.out_degree(k) for k in range(n_concepts)], dtype=torch.float32)
    fan_out_scaled = fan_out / fan_out.max().clamp(min=1.0)
    answered: list[list[int]] = [[] for _ in range(n_learners)]  # each learner's items, newest first
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
        if policy == "topological":
            concept = torch.tensor(order)[position[who]]
            pick = (item_draw[who] * per_concept[concept]).long()
            item = item_table[concept, pick]
        else:
            mastery, width = _beliefs_now(posterior, state, who=who, time=time, n_concepts=n_concepts)
            weakest_goal = goals[mastery[:, goals].argmin(1)]
            if policy == "practice":
                concept, item = _practice_next(course, posterior, state, who=who, mastery=mastery, width=width,
                                               time=time, answered=answered, rng_key=f"{seed}:{step}")
            elif policy == "planner":
                answers = (state.right + state.wrong)[who]
                concept = torch.tensor([
                    _planner_concept(course, difficulty=typical_list, mastery=m, width=u, answers=n, fallback=f)
                    for m, u, n, f in zip(mastery.tolist(), width.tolist(), answers.tolist(), weakest_goal.tolist(),
                                          strict=True)
                ])
            elif policy == "heuristic":
                score = 0.5 * (1 - mastery) + 0.3 * difficulty_scaled + 0.2 * fan_out_scaled
                score = score.masked_fill(mastery >= MASTERY_TARGET, -math.inf)
                concept = torch.where(torch.isinf(score.max(1).values), weakest_goal, score.argmax(1))
            else:
                raise ValueError(f"unknown policy {policy!r}")
            if policy != "practice":
                item = _item_nearest_aim(posterior, state, who=who, concept=concept, item_table=item_table,
                                         time=time)
        for learner, given in zip(who.tolist(), item.tolist(), strict=True):
            answered[learner].insert(0, given)

        # The true answer, and what it teaches.
        z = knowledge[who, concept]
        correct = (answer_draw[who] < torch.sigmoid(z - course.item_difficulty[item])).float()
        base = ((knowledge - typical) @ weights.T)[who, concept]  # sum_p w_kp (z_p - b_p)
        readiness = torch.where(has_prerequisites[concept], torch.sigmoid(base), 1.0)
        right[who, concept] += readiness * correct
        wrong[who, concept] += readiness * (1 - correct)
        if policy == "topological":
            streak[who] = torch.where(correct > 0, streak[who] + 1, 0)
            moved = streak[who] >= STREAK
            position[who] = torch.where(moved, (position[who] + 1) % n_concepts, position[who])
            streak[who] = torch.where(moved, 0, streak[who])
        else:
            filter_step(posterior, state, who=who, concept=concept, difficulty=course.item_difficulty[item],
                        time=torch.full((len(who),), time), correct=correct,
                        observe=torch.ones(len(who), dtype=torch.bool))

        gap = MINUTE + (1.0 if (step + 1) % SESSION_ITEMS == 0 else 0.0)
        mean, variance = ou_predict(offset, torch.zeros_like(offset), torch.tensor(gap), learners.alpha[:, None],
                                    learners.stationary[:, None])
        offset = mean + variance.sqrt() * forgetting_draw
        time += gap
    return used


@dataclass(frozen=True)
class _SimulatedLearner:
    """The practice policy's view of one simulated learner (``llm.policy.PracticeView``): the filter's beliefs."""

    options: list[ConceptOption]
    items_of: Mapping[int, list[int]]
    success: list[float]  # P(right) on every item, by index

    def concept_options(self) -> list[ConceptOption]:
        return self.options

    def concept_items(self, concept_id: int) -> list[int]:
        return self.items_of[concept_id]

    def item_success(self, item_ids: Sequence[int]) -> dict[int, float]:
        return {item: self.success[item] for item in item_ids}


def _practice_next(course: PlanningCourse, posterior: Posterior, state: FilterState, *, who: torch.Tensor,
                   mastery: torch.Tensor, width: torch.Tensor, time: float, answered: list[list[int]],
                   rng_key: str) -> tuple[torch.Tensor, torch.Tensor]:
    """The concept and item ``llm.policy.practice_next`` gives each learner in ``who``, reading the filter's beliefs
    as the app reads the learner model's (each learner draws from a generator of its own, as each session does)."""
    n_items, n_concepts = len(course.item_difficulty), len(course.names)
    success, _, _ = filter_success(posterior, state, who=who.repeat_interleave(n_items),
                                   concept=course.item_concept.repeat(len(who)),
                                   difficulty=course.item_difficulty.repeat(len(who)),
                                   time=torch.full((len(who) * n_items,), time))  # (n * I,)
    items_of = {k: torch.nonzero(course.item_concept == k).squeeze(1).tolist() for k in range(n_concepts)}
    prerequisites = {k: list(course.graph.predecessors(k)) for k in range(n_concepts)}
    concepts, items = [], []
    for row, (learner, m, u, p) in enumerate(zip(who.tolist(), mastery.tolist(), width.tolist(),
                                                 success.view(len(who), n_items).tolist(), strict=True)):
        options = [ConceptOption(concept_id=k, mastery=m[k], uncertainty=u[k],
                                 ready=all(m[j] >= READY for j in prerequisites[k])) for k in range(n_concepts)]
        recent = answered[learner]
        choice = practice_next(_SimulatedLearner(options=options, items_of=items_of, success=p), focus=None,
                               recent=recent, current=recent[0] if recent else None,
                               rng=random.Random(f"{rng_key}:{row}:{learner}"))
        concepts.append(choice.concept_id)
        items.append(choice.item_id)
    return torch.tensor(concepts), torch.tensor(items)


def _planner_concept(course: PlanningCourse, *, difficulty: list[float], mastery: list[float], width: list[float],
                     answers: list[float], fallback: int) -> int:
    """The first concept of the Planner's plan for one learner's beliefs (the fallback when nothing is weak)."""
    beliefs = {
        k: ConceptBelief(concept_id=k, name=name, mastery=m, uncertainty=u, difficulty=b, answers=int(n))
        for k, (name, m, u, b, n) in enumerate(zip(course.names, mastery, width, difficulty, answers, strict=True))
    }
    plan = concept_path_plan(graph=course.graph, beliefs=beliefs, goals=course.goals,
                             mastery_target=MASTERY_TARGET)
    return plan[0] if plan else fallback


def items_summary(used: torch.Tensor) -> dict[str, float]:
    """Mean and 90th percentile of items to mastery, and the share of learners who got there within the cap."""
    values = used.float()
    return {"mean": round(float(values.mean()), 1), "p90": round(float(torch.quantile(values, 0.9)), 1),
            "reached": round(float((used < ITEM_CAP).float().mean()), 3)}


def course_evaluate(*, course: PlanningCourse, n_learners: int, seed: int) -> dict:
    learners = learners_draw(n_learners=n_learners, n_concepts=len(course.names), seed=seed)
    result: dict = {"concepts": len(course.names), "edges": course.graph.number_of_edges(),
                    "items": len(course.item_concept), "goals": [course.names[g] for g in course.goals]}
    for policy in ("planner", "topological", "heuristic", "practice"):
        result[policy] = items_summary(policy_run(course=course, learners=learners, policy=policy, seed=seed))
    result["planner_saving_vs_topological"] = round(1 - result["planner"]["mean"] / result["topological"]["mean"], 3)
    result["practice_saving_vs_topological"] = round(1 - result["practice"]["mean"] / result["topological"]["mean"],
                                                     3)
    return result


def planning_evaluate(*, course_file: Path | None, seed: int = 0, n_learners: int = 200,
                      data_dir: Path | None = None) -> dict:
    """Items to mastery per policy on the demo course (its ``course_file``) and on a Junyi arithmetic subgraph
    (module docstring).

    ``data_dir`` defaults to $CAIRN_DATA_DIR or ../shared/data next to the project; without a course file, or
    without the Junyi graph there, that part is skipped with the reason.
    """
    if data_dir is None:
        data_dir = data_dir_default()
    # The tensors here are small (learners x concepts): a second intra-op thread only waits on the first,
    # and on a shared machine that wait costs more than the work, so the run is single-threaded.
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        planning: dict = {"demo": {"skipped": "no course file given"}} if course_file is None else {
            "demo": course_evaluate(course=demo_course_load(path=course_file), n_learners=n_learners, seed=seed)}
        junyi_edges = data_dir / JUNYI_DIR / JUNYI_EDGES_FILE
        if junyi_edges.exists():
            junyi = junyi_course_load(data_dir=data_dir, seed=seed)
            planning["junyi"] = course_evaluate(course=junyi, n_learners=n_learners, seed=seed)
        else:
            planning["junyi"] = {"skipped": f"no Junyi prerequisite graph at {junyi_edges}"}
    finally:
        torch.set_num_threads(threads)
    settings = {
        "mastery_target": MASTERY_TARGET, "item_cap": ITEM_CAP, "streak": STREAK, "item_success_aim": ITEM_SUCCESS_AIM,
        "learn_right": LEARN_RIGHT, "learn_wrong": LEARN_WRONG, "transfer_mean": TRANSFER_MEAN,
        "transfer_scale": TRANSFER_SCALE,
        "session_items": SESSION_ITEMS, "demo_goals": list(DEMO_GOALS), "junyi_goals": list(JUNYI_GOALS),
        "junyi_cycle_edge_dropped": list(JUNYI_CYCLE_CUT),
    }
    # n and the settings sit inside "planning" so that merging this into a larger results dict clobbers nothing.
    return {"planning": {**planning, "n": n_learners, "settings": {"seed": seed, **settings}}}

