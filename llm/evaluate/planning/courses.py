"""The courses the planning evaluation runs on: the demo course from its file and an arithmetic subgraph of the Junyi
prerequisite graph, each cut to its goals and their ancestors (package docstring)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import networkx as nx
import torch
import yaml

from knowledge.evaluate.junyi import JUNYI_DIR, junyi_graph

DEMO_GOALS = ("equations-variables-both-sides", "percent", "proportions")
JUNYI_GOALS = ("division_4", "least_common_multiple")
JUNYI_ITEMS_PER_CONCEPT = 4
# A concept is mastered when P(correct on a typical item) = sigmoid(z_k - b_k) reaches this, b_k its items' mean
# difficulty (``PlanningCourse.concept_difficulty``).
MASTERY_TARGET = 0.8


@dataclass(frozen=True)
class PlanningCourse:
    """A course cut to the goals and their ancestors; concepts are 0..K-1 in topological order."""

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


def course_cut(*, graph: nx.DiGraph, goals: tuple[str, ...],
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
    return PlanningCourse(graph=cut, names=tuple(names), goals=tuple(index[g] for g in goals),
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

    return course_cut(graph=graph, goals=DEMO_GOALS, items=items)


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

    return course_cut(graph=graph, goals=JUNYI_GOALS, items=items)
