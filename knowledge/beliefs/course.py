"""A course's learner model as tensors: its concepts and items indexed 0..K-1 and 0..I-1, with the parameters of
the course's active cohort fit (``ModelSnapshot``) or, before the first fit, the authored item difficulties and the
priors. Built once per process and reused while nothing it was built from has changed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from functools import cached_property

import torch
from django.db import connection

from knowledge.beliefs.values import ItemEvidence
from knowledge.learner.data import concept_sets_pad
from knowledge.learner.posterior import TRAIT_PRIOR_LOC, Posterior
from knowledge.learner.storage import posterior_from_dict
from knowledge.models import Concept, ModelSnapshot

# Before a course's first fit: population spread of forgetting, level and volatility (log alpha, mu, log sigma).
DEFAULT_TRAIT_SCALE = torch.tensor([0.5, 1.0, 0.3])


@dataclass(frozen=True)
class CourseModel:
    posterior: Posterior
    concept_index: dict[int, int]  # concept id -> index
    item_index: dict[int, int]  # item id -> index
    item_concepts: torch.Tensor  # (I, M) long: each item's concept indices, main first, -1 padded
    version: int | None  # the active fit's version; None before the first fit

    @cached_property
    def concept_ids(self) -> list[int]:
        """Concept ids by index: ``concept_ids[k]`` is the concept with index k."""
        return list(self.concept_index)

    def concepts_of(self, item_id: int) -> list[int]:
        """The item's concept ids, main first; [] for an item the model does not cover."""
        if item_id not in self.item_index:
            return []
        row = self.item_concepts[self.item_index[item_id]]
        return [self.concept_ids[k] for k in row[row >= 0].tolist()]


def concept_sets(items: Sequence[ItemEvidence], positions: dict[int, int]) -> dict[int, list[int]]:
    """Each item's concepts of this course, main first: the concept an item's answer is chiefly evidence about is the
    latest in teaching order among its concepts (an item on adding unlike fractions that also needs a common
    multiple practises the fractions); the others follow, latest first. Items left without a concept are left out."""
    sets = {}
    for item in items:
        known = sorted(((positions[c], c) for c in item.concept_ids if c in positions), reverse=True)
        if known:
            sets[item.item_id] = [concept_id for _, concept_id in known]
    return sets


def _authored_model(course_id: int, items: Sequence[ItemEvidence]) -> CourseModel:
    """Parameters before any fit: the authored difficulties and the priors' centres.

    The model covers the items that have a concept: an item whose concepts were all deleted is evidence about
    nothing it tracks (its answers stay stored)."""
    positions = dict(Concept.objects.filter(course_id=course_id).order_by("id").values_list("id", "position"))
    concept_ids = list(positions)
    concept_index = {cid: k for k, cid in enumerate(concept_ids)}
    sets = concept_sets(items, positions)
    covered = sorted((item.item_id, item.difficulty) for item in items if item.item_id in sets)
    per_concept: dict[int, list[float]] = {}  # difficulties of the items whose main concept it is
    for item_id, difficulty in covered:
        per_concept.setdefault(sets[item_id][0], []).append(difficulty)
    n_concepts = len(concept_ids)
    posterior = Posterior(
        trait_loc=TRAIT_PRIOR_LOC.clone(),
        trait_scale=DEFAULT_TRAIT_SCALE.clone(),
        traits=torch.zeros(0, 3),
        item_difficulty=torch.tensor([difficulty for _, difficulty in covered], dtype=torch.float32),
        concept_difficulty=torch.tensor([sum(per_concept.get(c, [0.0])) / len(per_concept.get(c, [0.0]))
                                         for c in concept_ids], dtype=torch.float32),
        learn_right=torch.full((n_concepts,), 0.2),
        learn_wrong=torch.full((n_concepts,), 0.1),
        fading_gain=torch.zeros(n_concepts, 2),
        discrimination=torch.ones(n_concepts),
        general=torch.zeros(2),
        item_seen=torch.ones(len(covered), dtype=torch.bool),
    )
    item_concepts = concept_sets_pad([[concept_index[c] for c in sets[item_id]] for item_id, _ in covered])
    return CourseModel(posterior=posterior, concept_index=concept_index,
                       item_index={item_id: i for i, (item_id, _) in enumerate(covered)}, item_concepts=item_concepts,
                       version=None)


def _fitted_model(snapshot: ModelSnapshot, authored: CourseModel) -> CourseModel:
    """The active fit's posterior over the course as it is now: concepts and items added since the fit keep their
    authored values; fitted edges whose two concepts are gone are dropped."""
    posterior = posterior_from_dict(snapshot.parameters)
    fitted_concepts = {cid: k for k, cid in enumerate(snapshot.concept_ids)}
    fitted_items = {iid: i for i, iid in enumerate(snapshot.item_ids)}
    merged = authored.posterior
    for name in ("concept_difficulty", "learn_right", "learn_wrong", "fading_gain", "discrimination"):
        values = getattr(merged, name)
        for cid, k in authored.concept_index.items():
            if cid in fitted_concepts:
                values[k] = getattr(posterior, name)[fitted_concepts[cid]]
    for iid, i in authored.item_index.items():
        if iid in fitted_items and posterior.item_seen[fitted_items[iid]]:
            merged.item_difficulty[i] = posterior.item_difficulty[fitted_items[iid]]
    # Fitted edges whose two concepts are still in the course, re-indexed (snapshots before transfer have none).
    kept = [(e, authored.concept_index[snapshot.concept_ids[j]], authored.concept_index[snapshot.concept_ids[k]])
            for e, (j, k) in enumerate(posterior.edges.tolist())
            if snapshot.concept_ids[j] in authored.concept_index and snapshot.concept_ids[k] in authored.concept_index]
    fitted_edges = torch.tensor([e for e, _, _ in kept], dtype=torch.long)
    # The course-wide coefficients (population prior, general practice, transfer rate, recency) come with the fit.
    merged = replace(posterior, traits=merged.traits, item_difficulty=merged.item_difficulty,
                     concept_difficulty=merged.concept_difficulty, learn_right=merged.learn_right,
                     learn_wrong=merged.learn_wrong, fading_gain=merged.fading_gain,
                     discrimination=merged.discrimination, item_seen=merged.item_seen,
                     edges=torch.tensor([[j, k] for _, j, k in kept], dtype=torch.long).reshape(-1, 2),
                     edge_weight=posterior.edge_weight[fitted_edges],
                     edge_interval=posterior.edge_interval[fitted_edges])
    return CourseModel(posterior=merged, concept_index=authored.concept_index, item_index=authored.item_index,
                       item_concepts=authored.item_concepts, version=snapshot.version)


def _course_model_build(course_id: int, items: Sequence[ItemEvidence]) -> CourseModel:
    authored = _authored_model(course_id, items)
    snapshot = ModelSnapshot.objects.filter(course_id=course_id, is_active=True).first()
    return authored if snapshot is None else _fitted_model(snapshot, authored)


_built_models: dict[int, tuple[tuple, CourseModel]] = {}


def _graph_fingerprint(course_id: int) -> tuple:
    """Changes whenever this layer's part of the course's model would: another active fit, concepts added, removed
    or reordered. Sums are weighted by the row ids, so that two concepts trading places in the teaching order change
    them too. One round trip: every answer and every page that shows mastery asks it."""
    snapshots, concepts = ModelSnapshot._meta.db_table, Concept._meta.db_table
    sql = f"""
        SELECT (SELECT id FROM {snapshots} WHERE course_id = %s AND is_active), COUNT(*), MAX(id), SUM(id * position)
        FROM {concepts} WHERE course_id = %s
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [course_id, course_id])
        return cursor.fetchone()


def course_model(*, course_id: int, items: Sequence[ItemEvidence]) -> CourseModel:
    """The learner model for a course and these items: its active fit, or the authored defaults before the first.

    Built once per process and reused while the active fit, the course's concepts and the items stay the same."""
    fingerprint = (_graph_fingerprint(course_id), tuple(items))
    built = _built_models.get(course_id)
    if built is None or built[0] != fingerprint:
        built = (fingerprint, _course_model_build(course_id, items))
        _built_models[course_id] = built
    return built[1]

