"""The cohort refit: fit the learner model to a course's answers, store the fit as a new snapshot, switch to it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from django.db import models
from django.utils import timezone

from knowledge.beliefs.clock import days
from knowledge.beliefs.course import CourseModel
from knowledge.beliefs.store import cohort_write
from knowledge.beliefs.values import AnswerRecord
from knowledge.graph import graph_cycle_closed
from knowledge.learner.data import Answers
from knowledge.learner.edges import CANDIDATE_EDGE_PRIOR, edge_candidates, edge_suggestions
from knowledge.learner.filter import FilterState, filter_run
from knowledge.learner.model import Cohort, cohort_fit
from knowledge.learner.posterior import Posterior
from knowledge.learner.storage import posterior_to_dict
from knowledge.models import Concept, ModelSnapshot, Prerequisite
from knowledge.selectors import course_graph

REFIT_STEPS = 200
# Candidate prerequisite edges a refit weighs (beside the curated ones): the pairs that at least
# EDGE_CANDIDATE_LEARNERS learners practised in that order, at most EDGE_CANDIDATES of them.
EDGE_CANDIDATES = 20
EDGE_CANDIDATE_LEARNERS = 3


def answers_tensors(model: CourseModel, answers: Sequence[AnswerRecord]) -> tuple[Answers, list[int]]:
    """The answers as the model's tensors (learner index i = the i-th smallest learner id), and those ids."""
    learner_ids = sorted({answer.learner_id for answer in answers})
    learner_index = {learner_id: i for i, learner_id in enumerate(learner_ids)}
    item = torch.tensor([model.item_index[answer.item_id] for answer in answers], dtype=torch.long)
    return Answers(
        learner=torch.tensor([learner_index[answer.learner_id] for answer in answers], dtype=torch.long),
        item=item,
        concept=model.item_concepts[:, 0][item],
        time=torch.tensor([days(answer.at) for answer in answers], dtype=torch.float64).float(),
        correct=torch.tensor([float(answer.correct) for answer in answers]),
        concepts=model.item_concepts[item],
    ), learner_ids


@dataclass(frozen=True)
class CohortFit:
    """A fit stored as a ready snapshot, not yet active; every learner's beliefs replayed under it (learner index i
    of ``state`` is ``learner_ids[i]``)."""

    snapshot: ModelSnapshot
    posterior: Posterior
    state: FilterState
    learner_ids: list[int]


def cohort_fit_store(model: CourseModel, *, course_id: int, answers: Sequence[AnswerRecord], steps: int,
                     progress: bool) -> CohortFit | None:
    """Fit the model to ``answers`` (in the order they were given) and store the fit as a ready, inactive snapshot;
    None when no answer arrived since the active fit. Runs outside any transaction: ``snapshot.progress`` tells how
    far it is; a failed fit marks its snapshot failed and raises.

    The fit weighs the course's prerequisite edges (their curated weights are the prior scales of the fitted ones)
    and candidate edges outside the graph (``edge_candidates``); the snapshot's parameters hold the fitted weights
    (``edges`` index ``concept_ids``) and, under ``edge_suggestions``, the candidates scored with their evidence.
    Learners replay their answers with their fitted traits.
    """
    last_answer_id = max((answer.answer_id for answer in answers), default=None)
    answers = [answer for answer in answers if answer.item_id in model.item_index]  # items left without a concept
    active = ModelSnapshot.objects.filter(course_id=course_id, is_active=True).first()
    if active is not None and (active.answers, active.last_attempt_id) == (len(answers), last_answer_id):
        return None
    if not answers:
        raise ValueError("The course has no answers to fit yet.")
    tensors, learner_ids = answers_tensors(model, answers)
    version = (ModelSnapshot.objects.filter(course_id=course_id).aggregate(v=models.Max("version"))["v"] or 0) + 1
    snapshot = ModelSnapshot.objects.create(course_id=course_id, version=version, answers=len(answers),
                                            last_attempt_id=last_answer_id, concept_ids=model.concept_ids,
                                            item_ids=list(model.item_index))

    def report(done: int, total: int) -> None:
        if done % 10 == 0 or done == total:
            ModelSnapshot.objects.filter(pk=snapshot.pk).update(progress=done / total)

    try:
        curated = list(Prerequisite.objects.filter(concept__course_id=course_id)
                       .values_list("prerequisite_id", "concept_id", "weight"))
        edges = torch.tensor([[model.concept_index[j], model.concept_index[k]] for j, k, _ in curated],
                             dtype=torch.long).reshape(-1, 2)
        candidates = edge_candidates(answers=tensors, edges=edges, n_concepts=len(model.concept_index),
                                     most=EDGE_CANDIDATES, least_learners=EDGE_CANDIDATE_LEARNERS)
        edge_prior = torch.tensor([weight for _, _, weight in curated] + [CANDIDATE_EDGE_PRIOR] * len(candidates))
        cohort = Cohort(answers=tensors, item_concept=model.item_concepts[:, 0], n_learners=len(learner_ids),
                        n_items=len(model.item_index), n_concepts=len(model.concept_index),
                        edges=torch.cat([edges, candidates]), edge_prior=edge_prior)
        posterior = cohort_fit(cohort, steps=steps, progress=progress, on_step=report)
        with torch.no_grad():
            _, state = filter_run(posterior, tensors, observe=torch.ones(len(answers), dtype=torch.bool),
                                  traits=posterior.traits)
        suggestions = _suggestions_stored(posterior, tensors, candidates, course_id=course_id,
                                          concept_ids=model.concept_ids)
    except Exception as error:
        ModelSnapshot.objects.filter(pk=snapshot.pk).update(status=ModelSnapshot.Status.FAILED, message=str(error),
                                                             finished_at=timezone.now())
        raise
    snapshot.status, snapshot.progress = ModelSnapshot.Status.READY, 1.0
    snapshot.parameters = {**posterior_to_dict(posterior), "edge_suggestions": suggestions}
    snapshot.finished_at = timezone.now()
    snapshot.save()
    return CohortFit(snapshot=snapshot, posterior=posterior, state=state, learner_ids=learner_ids)


def cohort_fit_activate(fit: CohortFit, *, course_id: int) -> None:
    """Switch the course to the fit's snapshot and rewrite its learners' beliefs by the replayed state. Runs inside
    the caller's transaction, which then applies the answers stored since the fit."""
    ModelSnapshot.objects.filter(course_id=course_id, is_active=True).update(is_active=False)
    fit.snapshot.is_active = True
    fit.snapshot.save(update_fields=["is_active"])
    cohort_write(fit.state, fit.posterior, learner_ids=fit.learner_ids, course_id=course_id,
                 concept_ids=fit.snapshot.concept_ids)


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
