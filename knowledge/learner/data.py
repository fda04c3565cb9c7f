"""Answers and their indexing: each learner's time order, the practice counts behind every answer (per concept,
along prerequisite edges, over all concepts), the recency sums, and the regrouping of the answers into
(learner, main concept) chains that the likelihood's recursion runs along.

Shapes: N answers, M concepts per item at most, T (answer, concept of its item) pairs, P (answer, edge) pairs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch

# rho of the recency term h_l: an answer weighs half as much after each later answer. On the dev seed, 0.8 did no
# better on assist2017 (next-step AUC 0.7599 against 0.7598) and worse on algebra2005 (0.8290 against 0.8296).
RECENCY_DECAY = 0.5


@dataclass(frozen=True)
class Answers:
    """Answers in time order per learner, as tensors. ``time`` is in days (or interaction steps).

    ``concept`` is each answer's main concept (its knowledge path d answers for the item); ``concepts``, when an
    item has several, lists them all per row, distinct, padded with -1, the main one first. ``None``: every item
    has its main concept only.
    """

    learner: torch.Tensor  # (N,) long
    item: torch.Tensor  # (N,) long
    concept: torch.Tensor  # (N,) long
    time: torch.Tensor  # (N,) float
    correct: torch.Tensor  # (N,) float 0/1
    concepts: torch.Tensor | None = None  # (N, M) long, -1 padded; concepts[:, 0] == concept

    def __post_init__(self) -> None:
        if self.concepts is not None and (self.concepts.dim() != 2 or len(self.concepts) != len(self.concept)
                                          or not torch.equal(self.concepts[:, 0], self.concept)):
            raise ValueError("concepts must be (N, M) with each row's main concept first")

    def concept_sets(self) -> torch.Tensor:
        """(N, M) every concept of each row, -1 padded (M = 1 when items have one concept)."""
        return concept_sets_of(self.concept, self.concepts)

    def retries(self) -> torch.Tensor:
        """(N,) bool: rows on an item the learner answered in an earlier row (a second try, or the item met again).
        A retry is weaker evidence than a first try: the learner has seen the item, its feedback, maybe its
        hints, and on a choice item has fewer options left to guess from."""
        position, _ = learner_positions(self)
        learner, item = self.learner.numpy().astype(np.int64), self.item.numpy()
        order = np.lexsort((position, item, learner))
        pair = learner[order] * (int(item.max(initial=0)) + 1) + item[order]
        retry = np.zeros(len(order), dtype=bool)
        retry[order] = np.r_[False, pair[1:] == pair[:-1]]
        return torch.as_tensor(retry)


def concept_sets_of(concept: torch.Tensor, concepts: torch.Tensor | None) -> torch.Tensor:
    """``concepts`` (B, M), or the main ``concept`` (B,) as the only one when there are no others."""
    return concept[:, None] if concepts is None else concepts


def concept_sets_pad(sets: list[list[int]]) -> torch.Tensor:
    """Concept lists (main first) as the (N, M) tensor of ``Answers.concepts``, -1 padded."""
    width = max((len(concepts) for concepts in sets), default=1)
    return torch.tensor([concepts + [-1] * (width - len(concepts)) for concepts in sets], dtype=torch.long).reshape(
        len(sets), width)


@dataclass(frozen=True)
class Touches:
    """Each (answer row, concept of its item) pair, rows in increasing order; ``share`` = 1 / the item's number of
    concepts, the weight of the concept in the item's combined practice (see ``concept_practice``)."""

    row: np.ndarray  # (T,) int64
    concept: np.ndarray  # (T,) int64
    share: np.ndarray  # (T,) float64


def concept_touches(answers: Answers) -> Touches:
    sets = answers.concept_sets().numpy()
    present = sets >= 0
    row, _ = np.nonzero(present)
    return Touches(row=row, concept=sets[present], share=1.0 / present.sum(axis=1)[row])


def learner_positions(answers: Answers) -> tuple[np.ndarray, np.ndarray]:
    """(position of each row in its learner's time order, position of the learner's first row), both (N,).
    Answers stamped with the same time keep their row order."""
    n = len(answers.correct)
    learner = answers.learner.numpy()
    by_learner = np.lexsort((answers.time.numpy(), learner))
    position = np.empty(n, dtype=np.int64)
    position[by_learner] = np.arange(n)
    new_learner = np.r_[True, learner[by_learner][1:] != learner[by_learner][:-1]] if n else np.zeros(0, bool)
    first = np.empty(n, dtype=np.int64)
    first[by_learner] = np.maximum.accumulate(np.where(new_learner, np.arange(n), 0)) if n else []
    return position, first


@dataclass(frozen=True)
class ConceptPractice:
    """For every (answer row, concept of its item) pair: the learner's right and wrong answers before the row on
    items with that concept, and the concept's share of the item (``Touches``)."""

    row: torch.Tensor  # (T,) long
    concept: torch.Tensor  # (T,) long
    share: torch.Tensor  # (T,) float
    right: torch.Tensor  # (T,) float
    wrong: torch.Tensor  # (T,) float


def concept_practice(answers: Answers) -> ConceptPractice:
    """Count each learner's earlier answers per concept, over every concept of every item answered."""
    touches = concept_touches(answers)
    position, _ = learner_positions(answers)
    learner = answers.learner.numpy()[touches.row]
    correct = answers.correct.numpy().astype(np.float64)[touches.row]
    order = np.lexsort((position[touches.row], touches.concept, learner))  # each (learner, concept) in time order
    key = learner[order] * (int(touches.concept.max(initial=0)) + 1) + touches.concept[order]
    start = np.maximum.accumulate(np.where(np.r_[True, key[1:] != key[:-1]], np.arange(len(order)), 0))
    right_inclusive = np.cumsum(correct[order])
    right_before, answered_before = np.empty(len(order)), np.empty(len(order))
    right_before[order] = right_inclusive - correct[order] - (right_inclusive - correct[order])[start]
    answered_before[order] = np.arange(len(order)) - start
    return ConceptPractice(row=torch.as_tensor(touches.row), concept=torch.as_tensor(touches.concept),
                           share=torch.as_tensor(touches.share, dtype=torch.float32),
                           right=torch.as_tensor(right_before, dtype=torch.float32),
                           wrong=torch.as_tensor(answered_before - right_before, dtype=torch.float32))


@dataclass(frozen=True)
class EdgePractice:
    """Sparse (answer row, edge) table: for each answer on an item with the edge's child, the learner's earlier
    answers on items with the parent, and the child's share of the item (``Touches``). Pairs with no earlier
    answer on the parent are left out (they carry no transfer)."""

    row: torch.Tensor  # (P,) long: the answer row, on the edge's child
    edge: torch.Tensor  # (P,) long
    parent: torch.Tensor  # (P,) long: the edge's parent concept
    right: torch.Tensor  # (P,) float: right answers on the parent before the row
    wrong: torch.Tensor  # (P,) float
    share: torch.Tensor  # (P,) float: the child's share of the row's item


def _no_edge_practice() -> EdgePractice:
    empty = torch.empty(0, dtype=torch.long)
    return EdgePractice(row=empty, edge=empty, parent=empty, right=torch.empty(0), wrong=torch.empty(0),
                        share=torch.empty(0))


def edge_practice(answers: Answers, edges: torch.Tensor) -> EdgePractice:
    """Count, for every answer on an edge's child, the same learner's right and wrong answers on the parent before it.

    Per edge, the parent's touches and the child's touches (each sorted by their row's position in the learner's
    time order) meet by binary search, so the cost is O(answers on the two concepts), never (answers x edges).
    An item with both concepts is not practice on the parent before itself: only earlier rows count.
    """
    if len(answers.correct) == 0 or len(edges) == 0:
        return _no_edge_practice()
    touches = concept_touches(answers)
    position, first = learner_positions(answers)
    touch_position = position[touches.row]
    correct = answers.correct.numpy().astype(np.float64)[touches.row]
    by_concept = np.lexsort((touch_position, touches.concept))
    n_concepts = max(int(touches.concept.max()), int(edges.max())) + 1
    bounds = np.searchsorted(touches.concept[by_concept], np.arange(n_concepts + 1))
    found = {"rows": [], "edges": [], "parents": [], "rights": [], "counts": [], "shares": []}
    for e, (j, k) in enumerate(edges.tolist()):
        parent_touches = by_concept[bounds[j]:bounds[j + 1]]
        child_touches = by_concept[bounds[k]:bounds[k + 1]]
        if len(parent_touches) == 0 or len(child_touches) == 0:
            continue
        right_so_far = np.r_[0.0, np.cumsum(correct[parent_touches])]
        child_rows = touches.row[child_touches]
        before = np.searchsorted(touch_position[parent_touches], position[child_rows])
        since = np.searchsorted(touch_position[parent_touches], first[child_rows])
        count = before - since
        keep = count > 0
        for name, value in (("rows", child_rows), ("edges", np.full(len(keep), e)), ("parents", np.full(len(keep), j)),
                            ("rights", right_so_far[before] - right_so_far[since]), ("counts", count),
                            ("shares", touches.share[child_touches])):
            found[name].append(value[keep])
    if not found["rows"]:
        return _no_edge_practice()
    table = {name: np.concatenate(values) for name, values in found.items()}
    return EdgePractice(row=torch.as_tensor(table["rows"], dtype=torch.long),
                        edge=torch.as_tensor(table["edges"], dtype=torch.long),
                        parent=torch.as_tensor(table["parents"], dtype=torch.long),
                        right=torch.as_tensor(table["rights"], dtype=torch.float32),
                        wrong=torch.as_tensor(table["counts"] - table["rights"], dtype=torch.float32),
                        share=torch.as_tensor(table["shares"], dtype=torch.float32))


@dataclass(frozen=True)
class Chains:
    """The answers regrouped by (learner, main concept) chain, as flat tensors in chain order: each chain's rows
    together, in time order, chain after chain.

    ``rows`` (N,) lists the answer rows in that order; ``first`` marks each chain's first row and ``gap`` the time
    since the chain's previous row (0 at a first row). Aligned with ``rows``: ``total_right_before`` /
    ``total_wrong_before``, the learner's answers on any concept before each row; ``recent_right_before`` /
    ``recent_wrong_before``, the learner's earlier answers on any concept, each weighted by RECENCY_DECAY^(answers
    since), the sums of the recency term h; ``retry``, whether the learner answered the row's item before.
    ``practice``: the practice on each of the item's concepts behind each answer; ``edge_practice``: on their
    prerequisites (empty without edges, and then transfer costs nothing).
    """

    rows: torch.Tensor  # (N,) long
    first: torch.Tensor  # (N,) bool
    gap: torch.Tensor  # (N,)
    total_right_before: torch.Tensor  # (N,)
    total_wrong_before: torch.Tensor  # (N,)
    recent_right_before: torch.Tensor  # (N,)
    recent_wrong_before: torch.Tensor  # (N,)
    retry: torch.Tensor  # (N,) bool
    practice: ConceptPractice
    edge_practice: EdgePractice = field(default_factory=_no_edge_practice)

    def longest(self) -> int:
        """The most answers in one chain."""
        starts = np.flatnonzero(self.first.numpy())
        return int(np.diff(starts, append=len(self.rows)).max(initial=0))


def chains_build(answers: Answers, *, edges: torch.Tensor | None = None) -> Chains:
    """Regroup the answers by chain; count the practice on each answer's concepts and, with ``edges`` (E, 2)
    (parent, child), on their prerequisites (see ``concept_practice`` and ``edge_practice``)."""
    learner, concept, time = answers.learner.numpy(), answers.concept.numpy(), answers.time.numpy()
    position, first = learner_positions(answers)
    rows = np.lexsort((position, concept, learner))  # rows of each chain together, in time order
    chain_key = learner[rows].astype(np.int64) * (int(concept.max(initial=0)) + 1) + concept[rows]
    new_chain = np.r_[True, chain_key[1:] != chain_key[:-1]] if len(rows) else np.zeros(0, dtype=bool)
    gap = np.where(new_chain, 0.0, np.maximum(time[rows] - np.r_[0.0, time[rows][:-1]], 0.0)) if len(rows) else []
    right = answers.correct.numpy().astype(np.float64)
    right_in_order = np.empty(len(rows))
    right_in_order[position] = right
    right_before_in_order = np.cumsum(right_in_order) - right_in_order
    total_right = right_before_in_order[position] - right_before_in_order[first]  # (N,) by row
    total_answers = position - first
    recent_right, recent_wrong = (recent_sums(values, position, first) for values in (right, 1.0 - right))
    return Chains(
        rows=torch.as_tensor(rows), first=torch.as_tensor(new_chain), gap=torch.as_tensor(gap, dtype=torch.float32),
        total_right_before=torch.as_tensor(total_right[rows], dtype=torch.float32),
        total_wrong_before=torch.as_tensor(total_answers[rows] - total_right[rows], dtype=torch.float32),
        recent_right_before=torch.as_tensor(recent_right[rows], dtype=torch.float32),
        recent_wrong_before=torch.as_tensor(recent_wrong[rows], dtype=torch.float32),
        retry=answers.retries()[rows],
        practice=concept_practice(answers),
        edge_practice=_no_edge_practice() if edges is None else edge_practice(answers, edges),
    )


def recent_sums(values: np.ndarray, position: np.ndarray, first: np.ndarray) -> np.ndarray:
    """sum_{m<n} rho^(n-1-m) values_m over each row's earlier rows of the same learner, rho = RECENCY_DECAY, shape
    (N,) by row; ``position`` and ``first`` as ``learner_positions`` gives them.

    One recursion h_{n+1} = rho h_n + values_n runs over all learners' rows laid end to end (``lfilter``); what the
    learners before leave at a learner's first row then fades by rho per row and is taken off."""
    from scipy.signal import lfilter  # fit-side only: the online filter imports this module without it

    in_order = np.empty(len(values))
    in_order[position] = values
    through = lfilter([1.0], [1.0, -RECENCY_DECAY], in_order)  # sums up to and including each row
    before = np.r_[0.0, through[:-1]]
    return before[position] - before[first] * RECENCY_DECAY ** (position - first).astype(np.float64)
