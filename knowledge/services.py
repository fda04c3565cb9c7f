"""Writes for the concept graph and the learner state."""

from __future__ import annotations

from datetime import datetime

import torch
from django.db import models, transaction
from django.utils import timezone

from knowledge.graph import GraphCycleError, graph_cycle_closed
from knowledge.learner import Mastery
from knowledge.learner.data import Answers
from knowledge.learner.edges import CANDIDATE_EDGE_PRIOR, edge_candidates, edge_suggestions
from knowledge.learner.filter import FilterState, filter_run, filter_step, item_difficulty_of
from knowledge.learner.model import Cohort, cohort_fit
from knowledge.learner.posterior import TRAIT_NAMES, Posterior
from knowledge.learner.storage import posterior_to_dict
from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot, Prerequisite
from knowledge.selectors import (
    concept_mastery,
    course_graph,
    course_model,
    days,
    learner_filter_state,
    moment,
)

MODEL_NAME = "psikt"


def graph_edge_check(*, prerequisite: Concept, concept: Concept, ignore_edge: int | None = None) -> None:
    """Raise ValueError (GraphCycleError for a cycle) if the edge may not be in the course graph.

    ``ignore_edge``: the id of an edge being edited, judged as if its old version were gone.
    """
    if prerequisite.course_id != concept.course_id:
        raise ValueError("A prerequisite must belong to the same course as the concept.")
    graph = course_graph(course_id=concept.course_id)
    old = Prerequisite.objects.filter(pk=ignore_edge).values_list("prerequisite_id", "concept_id").first()
    if old is not None and graph.has_edge(*old):
        graph.remove_edge(*old)
    cycle = graph_cycle_closed(graph, prerequisite=prerequisite.pk, concept=concept.pk)
    if cycle:
        names = dict(Concept.objects.filter(pk__in=cycle).values_list("pk", "name"))
        raise GraphCycleError([names[pk] for pk in cycle])


def graph_edge_add(*, prerequisite: Concept, concept: Concept, weight: float = 1.0) -> Prerequisite:
    """Add the edge prerequisite -> concept, refusing one that closes a cycle (the error names it)."""
    with transaction.atomic():
        # Lock the course row so two curators cannot each add half of a cycle at the same time.
        type(concept.course).objects.select_for_update().get(pk=concept.course_id)
        graph_edge_check(prerequisite=prerequisite, concept=concept)
        edge, _ = Prerequisite.objects.update_or_create(
            prerequisite=prerequisite, concept=concept, defaults={"weight": weight}
        )
    return edge


def learner_observe(
    *, learner_id: int, course_id: int, item_id: int, correct: bool, at: datetime
) -> dict[int, Mastery]:
    """Absorb one answer into the learner's beliefs at once (the filter step of the learner model).

    The answer is evidence about the item's main concept and practice on each of its concepts (see
    ``item_concept_sets``). Must run inside the caller's transaction: the learner's traits row is locked, so two
    answers are applied one after the other. Returns the mastery of the item's concepts after the answer: none
    for an item whose concepts were all deleted, which the model no longer covers.
    """
    model = course_model(course_id=course_id)
    if item_id not in model.item_index:
        return {}
    traits, _ = LearnerTraits.objects.select_for_update().get_or_create(learner_id=learner_id, course_id=course_id,
                                                                         defaults={"model_name": MODEL_NAME})
    state = learner_filter_state(model=model, course_id=course_id, learner_ids=[learner_id])
    item = torch.tensor([model.item_index[item_id]])
    concepts = model.item_concepts[item]  # (1, M), -1 padded
    k = concepts[0][concepts[0] >= 0]  # (S,) the item's concepts
    indices = {model.concept_ids[j]: j for j in k.tolist()}  # concept id -> index, in k's order
    main = concepts[:, 0]
    now = torch.tensor([days(at)])
    filter_step(model.posterior, state, who=torch.tensor([0]), concept=main,
                difficulty=item_difficulty_of(model.posterior, item, main), time=now,
                correct=torch.tensor([float(correct)]), observe=torch.tensor([True]), concepts=concepts)
    _store(state, 0, learner_id=learner_id, traits=traits, concepts=indices, at=at)
    p, low, high = concept_mastery(model, state, who=torch.zeros(len(k), dtype=torch.long), concept=k, at=at)
    return {concept_id: Mastery(p=float(p[m]), low=float(low[m]), high=float(high[m]), observed=True)
            for m, concept_id in enumerate(indices)}


def _store(state: FilterState, i: int, *, learner_id: int, traits: LearnerTraits, concepts: dict[int, int],
           at: datetime) -> None:
    """Write learner i of ``state``: its level and answer totals, and the given concepts (concept id -> index)."""
    traits.mean = {**traits.mean, "level": float(state.level_mean[i])}
    traits.variance = {**traits.variance, "level": float(state.level_var[i])}
    traits.right, traits.wrong = float(state.total_right[i]), float(state.total_wrong[i])
    traits.recent_right, traits.recent_wrong = float(state.recent_right[i]), float(state.recent_wrong[i])
    traits.model_name, traits.updated_at = MODEL_NAME, at
    traits.save()
    rows = [ConceptState(learner_id=learner_id, concept_id=concept_id, offset=float(state.offset[i, k]),
                         coupling=float(state.coupling[i, k]), variance=float(state.variance[i, k]),
                         right=float(state.right[i, k]), wrong=float(state.wrong[i, k]),
                         updated_at=moment(float(state.last_seen[i, k])))
            for concept_id, k in concepts.items()]
    _concept_states_write(rows)


def _concept_states_write(rows: list[ConceptState]) -> None:
    """Insert these learner x concept beliefs, replacing the stored ones (one statement)."""
    ConceptState.objects.bulk_create(rows, update_conflicts=True, unique_fields=["learner", "concept"],
                                     update_fields=["offset", "coupling", "variance", "right", "wrong",
                                                    "updated_at"])


REFIT_STEPS = 200
# Candidate prerequisite edges a refit weighs (beside the curated ones): the pairs that at least
# EDGE_CANDIDATE_LEARNERS learners practised in that order, at most EDGE_CANDIDATES of them.
EDGE_CANDIDATES = 20
EDGE_CANDIDATE_LEARNERS = 3


def learner_model_refit(*, course_id: int, steps: int = REFIT_STEPS, progress: bool = False) -> ModelSnapshot:
    """Fit the learner model to every answer in the course, store the fit as a new snapshot, then switch to it.

    The fit runs outside any transaction; the switch (activate the snapshot, rewrite every learner's beliefs
    by replaying their answers under the new parameters, then apply answers that arrived meanwhile) is one
    transaction. With no new answers since the active fit, nothing happens and the active snapshot is
    returned, so running it twice is harmless. ``snapshot.progress`` tells how far a running fit is.

    The fit weighs the course's prerequisite edges (their curated weights are the prior scales of the fitted
    ones) and candidate edges outside the graph (``edge_candidates``); ``snapshot.parameters`` holds the fitted
    weights (``edges`` index ``concept_ids``) and, under ``edge_suggestions``, the candidates scored with their
    evidence (read them with ``knowledge.selectors.edge_suggestion_list``). Learners replay their answers with
    their fitted traits.
    """
    from tutoring.models import Attempt

    rows = list(Attempt.objects.filter(item__course_id=course_id).order_by("created_at", "id")
                .values_list("id", "learner_id", "item_id", "created_at", "correct"))
    last_attempt_id = max((row[0] for row in rows), default=None)
    model = course_model(course_id=course_id)
    rows = [row for row in rows if row[2] in model.item_index]  # not answers on items left without a concept
    active = ModelSnapshot.objects.filter(course_id=course_id, is_active=True).first()
    if active is not None and (active.answers, active.last_attempt_id) == (len(rows), last_attempt_id):
        return active
    if not rows:
        raise ValueError("The course has no answers to fit yet.")
    learner_ids = sorted({row[1] for row in rows})
    learner_index = {learner_id: i for i, learner_id in enumerate(learner_ids)}
    item_concept = model.item_concepts[:, 0]  # (I,) main concepts
    item = torch.tensor([model.item_index[row[2]] for row in rows])
    answers = Answers(
        learner=torch.tensor([learner_index[row[1]] for row in rows]),
        item=item,
        concept=item_concept[item],
        time=torch.tensor([days(row[3]) for row in rows], dtype=torch.float64).float(),
        correct=torch.tensor([float(row[4]) for row in rows]),
        concepts=model.item_concepts[item],
    )
    version = (ModelSnapshot.objects.filter(course_id=course_id).aggregate(v=models.Max("version"))["v"] or 0) + 1
    snapshot = ModelSnapshot.objects.create(course_id=course_id, version=version, answers=len(rows),
                                            last_attempt_id=last_attempt_id, concept_ids=model.concept_ids,
                                            item_ids=list(model.item_index))

    def report(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            ModelSnapshot.objects.filter(pk=snapshot.pk).update(progress=done / total)

    try:
        curated = list(Prerequisite.objects.filter(concept__course_id=course_id)
                       .values_list("prerequisite_id", "concept_id", "weight"))
        edges = torch.tensor([[model.concept_index[j], model.concept_index[k]] for j, k, _ in curated],
                             dtype=torch.long).reshape(-1, 2)
        candidates = edge_candidates(answers=answers, edges=edges, n_concepts=len(model.concept_index),
                                     most=EDGE_CANDIDATES, least_learners=EDGE_CANDIDATE_LEARNERS)
        edge_prior = torch.tensor([weight for _, _, weight in curated] + [CANDIDATE_EDGE_PRIOR] * len(candidates))
        cohort = Cohort(answers=answers, item_concept=item_concept, n_learners=len(learner_ids),
                        n_items=len(model.item_index), n_concepts=len(model.concept_index),
                        edges=torch.cat([edges, candidates]), edge_prior=edge_prior)
        posterior = cohort_fit(cohort, steps=steps, progress=progress, on_step=report)
        with torch.no_grad():
            _, state = filter_run(posterior, answers, observe=torch.ones(len(rows), dtype=torch.bool),
                                  traits=posterior.traits)
        suggestions = _suggestions_stored(posterior, answers, candidates, course_id=course_id,
                                          concept_ids=model.concept_ids)
    except Exception as error:
        ModelSnapshot.objects.filter(pk=snapshot.pk).update(status=ModelSnapshot.Status.FAILED, message=str(error),
                                                             finished_at=timezone.now())
        raise
    with transaction.atomic():
        ModelSnapshot.objects.filter(course_id=course_id, is_active=True).update(is_active=False)
        snapshot.status, snapshot.is_active, snapshot.progress = ModelSnapshot.Status.READY, True, 1.0
        snapshot.parameters = {**posterior_to_dict(posterior), "edge_suggestions": suggestions}
        snapshot.finished_at = timezone.now()
        snapshot.save()
        _store_all(state, posterior, learner_ids=learner_ids, course_id=course_id,
                   concept_ids=model.concept_ids)
        for _, learner_id, item_id, at, correct in (Attempt.objects.filter(item__course_id=course_id,
                                                                           id__gt=last_attempt_id)
                                                    .order_by("created_at", "id")
                                                    .values_list("id", "learner_id", "item_id", "created_at",
                                                                 "correct")):
            learner_observe(learner_id=learner_id, course_id=course_id, item_id=item_id, correct=correct, at=at)
    return snapshot


def _suggestions_stored(posterior: Posterior, answers: Answers, candidates: torch.Tensor, *, course_id: int,
                        concept_ids: list[int]) -> list[dict]:
    """The scored candidate edges as JSON rows keyed by concept id, best first; ``closes_cycle``: the curated
    graph would refuse the edge as it stands."""
    names = dict(Concept.objects.filter(pk__in=concept_ids).values_list("pk", "name"))
    graph = course_graph(course_id=course_id)
    rows = []
    for suggestion in edge_suggestions(posterior=posterior, answers=answers, candidates=candidates,
                                       concept_names=[names[cid] for cid in concept_ids]):
        parent, child = concept_ids[suggestion.parent], concept_ids[suggestion.child]
        rows.append({"prerequisite": parent, "concept": child, "score": suggestion.score,
                     "evidence": suggestion.evidence,
                     "closes_cycle": bool(graph_cycle_closed(graph, prerequisite=parent, concept=child))})
    return rows


def _store_all(state: FilterState, posterior: Posterior, *, learner_ids: list[int], course_id: int,
               concept_ids: list[int]) -> None:
    """Replace the stored beliefs of these learners by the filter's state (and their fitted traits)."""
    now = timezone.now()
    traits = []
    concepts = []
    for i, learner_id in enumerate(learner_ids):
        fitted = dict(zip(TRAIT_NAMES, posterior.traits[i].tolist(), strict=True))
        traits.append(LearnerTraits(learner_id=learner_id, course_id=course_id, model_name=MODEL_NAME,
                                    mean={**fitted, "level": float(state.level_mean[i])},
                                    variance={"level": float(state.level_var[i])}, right=float(state.total_right[i]),
                                    wrong=float(state.total_wrong[i]), recent_right=float(state.recent_right[i]),
                                    recent_wrong=float(state.recent_wrong[i]), updated_at=now))
        for k in torch.nonzero(state.right[i] + state.wrong[i] > 0).flatten().tolist():
            concepts.append(ConceptState(
                learner_id=learner_id, concept_id=concept_ids[k], offset=float(state.offset[i, k]),
                coupling=float(state.coupling[i, k]), variance=float(state.variance[i, k]),
                right=float(state.right[i, k]), wrong=float(state.wrong[i, k]),
                updated_at=moment(float(state.last_seen[i, k]))))
    LearnerTraits.objects.bulk_create(traits, update_conflicts=True, unique_fields=["learner", "course"],
                                      update_fields=["model_name", "mean", "variance", "right", "wrong",
                                                     "recent_right", "recent_wrong", "updated_at"])
    _concept_states_write(concepts)
