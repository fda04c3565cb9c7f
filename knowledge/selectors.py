"""Reads over the concept graph and the learner model's beliefs.

The learner model (knowledge.learner.psikt) works on tensors indexed 0..K-1 and 0..I-1; ``CourseModel``
maps a course's concept and item ids onto them. Its parameters come from the course's active cohort fit
(ModelSnapshot) or, before the first fit, from the authored item difficulties and the priors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from functools import cached_property

import networkx as nx
import torch
from django.db import connection

from knowledge.graph import graph_build
from knowledge.learner import Mastery
from knowledge.learner.data import concept_sets_pad
from knowledge.learner.filter import FilterState, filter_start, filter_success, item_difficulty_of
from knowledge.learner.model import TRAIT_PRIOR_LOC
from knowledge.learner.posterior import Posterior
from knowledge.learner.storage import posterior_from_dict
from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot, Prerequisite

SECONDS_PER_DAY = 86400.0
RETENTION_DAYS = 7  # how far ahead the retention forecast looks
CLOCK_EPOCH = datetime(2025, 1, 1, tzinfo=UTC)
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


def days(at: datetime) -> float:
    """The learner model's clock: days since CLOCK_EPOCH. A recent origin keeps float32 tensors precise to
    seconds (days since 1970 would round to minutes, blurring the gaps within a session)."""
    return (at - CLOCK_EPOCH).total_seconds() / SECONDS_PER_DAY


def moment(day: float) -> datetime:
    """The inverse of ``days``."""
    return CLOCK_EPOCH + timedelta(days=day)


def course_graph(*, course_id: int) -> nx.DiGraph:
    """The course's concept graph, nodes are concept ids."""
    return graph_build(
        nodes=Concept.objects.filter(course_id=course_id).values_list("id", flat=True),
        edges=Prerequisite.objects.filter(concept__course_id=course_id).values_list("prerequisite_id", "concept_id"),
    )


def item_concept_sets(*, item_ids: Iterable[int]) -> dict[int, list[int]]:
    """Each item's concepts, main first: the concept an item's answer is chiefly evidence about is the latest in
    teaching order among its concepts (an item on adding unlike fractions that also needs a common multiple
    practises the fractions); the others follow, latest first."""
    from tutoring.models import Item

    found: dict[int, list[tuple[int, int]]] = {}
    rows = Item.concepts.through.objects.filter(item_id__in=list(item_ids)).values_list(
        "item_id", "concept_id", "concept__position"
    )
    for item_id, concept_id, position in rows:
        found.setdefault(item_id, []).append((position, concept_id))
    return {item_id: [concept_id for _, concept_id in sorted(pairs, reverse=True)] for item_id, pairs in found.items()}


def _authored_model(course_id: int) -> CourseModel:
    """Parameters before any fit: the authored difficulties and the priors' centres.

    The model covers the items that have a concept: an item whose concepts were all deleted is evidence about
    nothing it tracks (its answers stay stored; see ``knowledge.services.learner_observe``)."""
    from tutoring.models import Item

    concept_ids = list(Concept.objects.filter(course_id=course_id).order_by("id").values_list("id", flat=True))
    items = list(Item.objects.filter(course_id=course_id).order_by("id").values_list("id", "difficulty"))
    concept_index = {cid: k for k, cid in enumerate(concept_ids)}
    sets = item_concept_sets(item_ids=[item_id for item_id, _ in items])
    items = [(item_id, difficulty) for item_id, difficulty in items if item_id in sets]
    per_concept: dict[int, list[float]] = {}  # difficulties of the items whose main concept it is
    for item_id, difficulty in items:
        per_concept.setdefault(sets[item_id][0], []).append(difficulty)
    n_concepts = len(concept_ids)
    posterior = Posterior(
        trait_loc=TRAIT_PRIOR_LOC.clone(),
        trait_scale=DEFAULT_TRAIT_SCALE.clone(),
        traits=torch.zeros(0, 3),
        item_difficulty=torch.tensor([difficulty for _, difficulty in items], dtype=torch.float32),
        concept_difficulty=torch.tensor([sum(per_concept.get(c, [0.0])) / len(per_concept.get(c, [0.0]))
                                         for c in concept_ids], dtype=torch.float32),
        learn_right=torch.full((n_concepts,), 0.2),
        learn_wrong=torch.full((n_concepts,), 0.1),
        fading_gain=torch.zeros(n_concepts, 2),
        discrimination=torch.ones(n_concepts),
        general=torch.zeros(2),
        item_seen=torch.ones(len(items), dtype=torch.bool),
    )
    item_concepts = concept_sets_pad([[concept_index[c] for c in sets[item_id]] for item_id, _ in items])
    return CourseModel(posterior=posterior, concept_index=concept_index,
                       item_index={item_id: i for i, (item_id, _) in enumerate(items)}, item_concepts=item_concepts,
                       version=None)


_built_models: dict[int, tuple[tuple, CourseModel]] = {}


def _course_fingerprint(course_id: int) -> tuple:
    """Changes whenever the course's model would: another active fit, items or concepts added, removed or edited.

    Sums are weighted by the row ids, so that a swap (two items' difficulties, two concepts' teaching order, a
    concept moved from one item to another) changes them too. One round trip in plain SQL: every answer and every
    page that shows mastery asks it, and the ORM's four aggregate queries cost several times as much as the work
    they guard.
    """
    from tutoring.models import Item

    snapshots, items, concepts = (ModelSnapshot._meta.db_table, Item._meta.db_table, Concept._meta.db_table)
    links = Item.concepts.through._meta.db_table
    sql = f"""
        SELECT (SELECT id FROM {snapshots} WHERE course_id = %s AND is_active),
               item.n, item.last, item.difficulty, concept.n, concept.last, concept.position, link.n, link.concepts
        FROM (SELECT COUNT(*) AS n, MAX(id) AS last, SUM(id * difficulty) AS difficulty
              FROM {items} WHERE course_id = %s) AS item,
             (SELECT COUNT(*) AS n, MAX(id) AS last, SUM(id * position) AS position
              FROM {concepts} WHERE course_id = %s) AS concept,
             (SELECT COUNT(*) AS n, SUM(link.item_id * link.concept_id) AS concepts
              FROM {links} AS link JOIN {items} AS item ON item.id = link.item_id WHERE item.course_id = %s) AS link
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [course_id] * 4)
        return cursor.fetchone()


def course_model(*, course_id: int) -> CourseModel:
    """The learner model for a course: its active fit, or the authored defaults before the first one.

    Built once per process and reused while the course's fingerprint stays the same.
    """
    fingerprint = _course_fingerprint(course_id)
    built = _built_models.get(course_id)
    if built is None or built[0] != fingerprint:
        built = (fingerprint, _course_model_build(course_id))
        _built_models[course_id] = built
    return built[1]


def _course_model_build(course_id: int) -> CourseModel:
    snapshot = ModelSnapshot.objects.filter(course_id=course_id, is_active=True).first()
    if snapshot is None:
        return _authored_model(course_id)
    authored = _authored_model(course_id)  # concepts or items added since the fit keep their authored values
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


def learner_filter_state(*, model: CourseModel, course_id: int, learner_ids: list[int]) -> FilterState:
    """The stored beliefs of these learners (index i = learner_ids[i]) as the filter's state; learners a cohort
    fit has seen forget at their fitted rate (alpha, sigma), the others at the population's."""
    state = filter_start(model.posterior, n_learners=len(learner_ids))
    row_of = {learner_id: i for i, learner_id in enumerate(learner_ids)}
    traits = LearnerTraits.objects.filter(learner_id__in=learner_ids, course_id=course_id).values_list(
        "learner_id", "mean", "variance", "right", "wrong", "recent_right", "recent_wrong")
    for learner_id, mean, variance, right, wrong, recent_right, recent_wrong in traits:
        i = row_of[learner_id]
        if "level" in mean:
            state.level_mean[i], state.level_var[i] = mean["level"], variance["level"]
        if "log_alpha" in mean and "log_sigma" in mean:
            state.alpha[i] = math.exp(mean["log_alpha"])
            state.stationary[i] = math.exp(2 * mean["log_sigma"]) / (2 * state.alpha[i])
        state.total_right[i], state.total_wrong[i] = right, wrong
        state.recent_right[i], state.recent_wrong[i] = recent_right, recent_wrong
    rows = ConceptState.objects.filter(learner_id__in=learner_ids, concept__course_id=course_id).values_list(
        "learner_id", "concept_id", "offset", "coupling", "variance", "right", "wrong", "updated_at")
    for learner_id, concept_id, offset, coupling, variance, right, wrong, updated_at in rows:
        i, k = row_of[learner_id], model.concept_index[concept_id]
        state.offset[i, k], state.coupling[i, k], state.variance[i, k] = offset, coupling, variance
        state.right[i, k], state.wrong[i, k] = right, wrong
        state.last_seen[i, k] = days(updated_at)
    return state


def learner_mastery(*, learner_ids: list[int], course_id: int, at: datetime) -> dict[tuple[int, int], Mastery]:
    """Mastery of every concept for each learner: P(right on a typical item of the concept) at ``at``."""
    model = course_model(course_id=course_id)
    state = learner_filter_state(model=model, course_id=course_id, learner_ids=learner_ids)
    return _mastery_at(model, state, learner_ids=learner_ids, at=at)


def learner_outlook(*, learner_ids: list[int], course_id: int, at: datetime, days_ahead: float = RETENTION_DAYS
                    ) -> tuple[dict[tuple[int, int], Mastery], dict[tuple[int, int], Mastery]]:
    """(mastery at ``at``, retention forecast), from one read of the stored beliefs. The forecast is the mastery
    ``days_ahead`` days later if the learner does not practise until then: each concept's knowledge path relaxes
    towards its long-term mean, and the interval widens with the time ahead."""
    model = course_model(course_id=course_id)
    state = learner_filter_state(model=model, course_id=course_id, learner_ids=learner_ids)
    return (_mastery_at(model, state, learner_ids=learner_ids, at=at),
            _mastery_at(model, state, learner_ids=learner_ids, at=at + timedelta(days=days_ahead)))


def concept_mastery(model: CourseModel, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                    at: datetime) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
    """P(right on a typical item of each concept) at ``at`` with its 90 % interval, for learner rows ``who`` of
    ``state``: the recency term is left out (see ``Mastery``)."""
    return filter_success(model.posterior, state, who=who, concept=concept,
                          difficulty=model.posterior.concept_difficulty[concept],
                          time=torch.full((len(who),), days(at)), with_recency=False)


def _mastery_at(model: CourseModel, state: FilterState, *, learner_ids: list[int],
                at: datetime) -> dict[tuple[int, int], Mastery]:
    n_concepts = len(model.concept_index)
    if not learner_ids or not n_concepts:
        return {}
    who = torch.arange(len(learner_ids)).repeat_interleave(n_concepts)
    concept = torch.arange(n_concepts).repeat(len(learner_ids))
    p, low, high = concept_mastery(model, state, who=who, concept=concept, at=at)
    observed = (state.right + state.wrong)[who, concept] > 0
    return {
        (learner_ids[int(i)], model.concept_ids[int(k)]): Mastery(p=float(pp), low=float(lo), high=float(hi),
                                                           observed=bool(seen))
        for i, k, pp, lo, hi, seen in zip(who, concept, p, low, high, observed, strict=True)
    }


def learner_item_success(*, learner_id: int, course_id: int, item_ids: list[int], at: datetime) -> dict[int, float]:
    """P(right) of one learner on each of these items at ``at``."""
    model = course_model(course_id=course_id)
    state = learner_filter_state(model=model, course_id=course_id, learner_ids=[learner_id])
    known = [i for i in item_ids if i in model.item_index]
    if not known:
        return {}
    item = torch.tensor([model.item_index[i] for i in known])
    concepts = model.item_concepts[item]  # (B, M)
    main = concepts[:, 0]
    p, _, _ = filter_success(model.posterior, state, who=torch.zeros(len(known), dtype=torch.long), concept=main,
                             difficulty=item_difficulty_of(model.posterior, item, main),
                             time=torch.full((len(known),), days(at)), concepts=concepts)
    return dict(zip(known, p.tolist(), strict=True))


@dataclass(frozen=True)
class EdgeSuggestionRow:
    """A prerequisite edge the active fit suggests adding, with the evidence a curator reads."""

    prerequisite_id: int
    prerequisite_name: str
    concept_id: int
    concept_name: str
    score: float  # fitted transfer rate gamma w (see knowledge.learner.psikt.EdgeSuggestion)
    evidence: dict
    closes_cycle: bool  # the graph would refuse it as it stands


def edge_suggestion_list(*, course_id: int) -> list[EdgeSuggestionRow]:
    """The active fit's suggested edges, best first, leaving out edges curated since and deleted concepts."""
    snapshot = ModelSnapshot.objects.filter(course_id=course_id, is_active=True).first()
    stored = [] if snapshot is None else snapshot.parameters.get("edge_suggestions", [])
    names = dict(Concept.objects.filter(course_id=course_id).values_list("id", "name"))
    curated = set(Prerequisite.objects.filter(concept__course_id=course_id)
                  .values_list("prerequisite_id", "concept_id"))
    return [EdgeSuggestionRow(prerequisite_id=row["prerequisite"], prerequisite_name=names[row["prerequisite"]],
                              concept_id=row["concept"], concept_name=names[row["concept"]], score=row["score"],
                              evidence=row["evidence"], closes_cycle=row["closes_cycle"])
            for row in stored
            if row["prerequisite"] in names and row["concept"] in names
            and (row["prerequisite"], row["concept"]) not in curated]
