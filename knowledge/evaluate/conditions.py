"""Conditions built from a shared data set, so that a model is checked under the conditions of data it has not seen:
the same learners and answers, with what the condition takes away.

- ``no-time``: the timestamps dropped; time is each learner's interaction index, as in data sets without them.
- ``short-histories``: many learners seen briefly. Every learner's history is cut into windows of
  ``SHORT_HISTORY_ANSWERS`` answers, each window a learner of its own, who arrives with practice the data does not
  show (as learners do in a data set that covers part of their year).
- ``skill-rows``: an answer on an item tagged with several skills is a row per skill (same item, time and answer,
  one after the other), as some exports of ASSISTments give them; a row's skill is then one Q-matrix concept.
  Needs the data's concept sets (``Interactions.skills``).
- ``sparse-items``: many items with few answers each. Every item is split into copies of about
  ``SPARSE_ITEM_ANSWERS`` answers, each learner meeting one copy of it (so a retry stays a retry), copies keeping
  the item's skills: a model learns each copy's difficulty from a few answers, as on a bank of thousands of items.

Conditions compose, applied in the order given, before the learners are split.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

import numpy as np

from knowledge.evaluate.datasets import Interactions

SPARSE_ITEM_ANSWERS = 10  # answers per item copy, on average
SHORT_HISTORY_ANSWERS = 50  # answers per learner window


def time_dropped(data: Interactions, *, seed: int) -> Interactions:
    """Time is the interaction index within each learner; ``has_time`` False."""
    return replace(data, time=data.position().astype(np.float64), has_time=False)


def histories_short(data: Interactions, *, seed: int) -> Interactions:
    """Learner l's answers n..n + SHORT_HISTORY_ANSWERS - 1 (n a multiple of it) become a learner of their own,
    numbered in order; the rows keep their order."""
    window = data.position() // SHORT_HISTORY_ANSWERS
    new_learner = np.r_[True, (data.learner[1:] != data.learner[:-1]) | (window[1:] != window[:-1])]
    return replace(data, learner=np.cumsum(new_learner) - 1)


def skill_rows(data: Interactions, *, seed: int) -> Interactions:
    """Each row repeated once per concept of its item, in the item's concept order, each copy with that concept as
    its skill."""
    if data.skills is None:
        raise ValueError(f"{data.name} has no concept sets: skill-rows needs them (a Q-matrix or multi-concept rows)")
    repeats = np.array([len(concepts) for concepts in data.skills])
    rows = np.repeat(np.arange(len(data)), repeats)
    skill = np.concatenate(data.skills).astype(np.int64)
    expanded = data.take_rows(rows)
    return replace(expanded, skill=skill, skills=None, n_skills=int(skill.max()) + 1)


def items_sparse(data: Interactions, *, seed: int) -> Interactions:
    """Item i with n_i answers becomes ceil(n_i / SPARSE_ITEM_ANSWERS) copies; a learner's rows on i all go to the
    copy drawn for that (learner, item) pair."""
    answers = np.bincount(data.item, minlength=data.n_items)
    copies = np.maximum(1, np.ceil(answers / SPARSE_ITEM_ANSWERS)).astype(np.int64)  # (n_items,)
    first_copy = np.r_[0, np.cumsum(copies)]  # (n_items + 1,) new id of each item's first copy
    draw = np.random.default_rng(seed).integers(np.iinfo(np.int64).max, size=data.n_learners)  # (L,)
    copy = draw[data.learner] % copies[data.item]
    return replace(data, item=first_copy[data.item] + copy, n_items=int(first_copy[-1]))


CONDITIONS: dict[str, Callable[..., Interactions]] = {"no-time": time_dropped, "short-histories": histories_short,
                                                      "skill-rows": skill_rows, "sparse-items": items_sparse}


def conditions_apply(data: Interactions, conditions: list[str], *, seed: int) -> Interactions:
    """``data`` under each of ``conditions`` in turn; its name says which."""
    unknown = [name for name in conditions if name not in CONDITIONS]
    if unknown:
        raise ValueError(f"unknown condition(s) {', '.join(unknown)}; expected some of {', '.join(CONDITIONS)}")
    for name in conditions:
        data = CONDITIONS[name](data, seed=seed)
    return replace(data, name=" + ".join([data.name, *conditions])) if conditions else data
