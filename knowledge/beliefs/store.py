"""Stored beliefs (``LearnerTraits``, ``ConceptState``) read into the online filter's state and written back."""

from __future__ import annotations

import math
from datetime import datetime

import torch
from django.utils import timezone

from knowledge.beliefs.clock import days, moment
from knowledge.beliefs.course import CourseModel
from knowledge.learner.filter import FilterState, filter_start
from knowledge.learner.posterior import TRAIT_NAMES, Posterior
from knowledge.models import ConceptState, LearnerTraits

MODEL_NAME = "psikt"


def beliefs_read(model: CourseModel, *, course_id: int, learner_ids: list[int]) -> FilterState:
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
        "learner_id", "concept_id", "offset", "fresh", "coupling", "variance", "right", "wrong", "updated_at")
    for learner_id, concept_id, offset, fresh, coupling, variance, right, wrong, updated_at in rows:
        i, k = row_of[learner_id], model.concept_index[concept_id]
        state.offset[i, k], state.coupling[i, k], state.variance[i, k] = offset, coupling, variance
        state.fresh[i, k] = fresh
        state.right[i, k], state.wrong[i, k] = right, wrong
        state.last_seen[i, k] = days(updated_at)
    return state


def traits_lock(*, learner_id: int, course_id: int) -> LearnerTraits:
    """The learner's traits row, locked until the caller's transaction ends (created if new): two answers of one
    learner are absorbed one after the other."""
    traits, _ = LearnerTraits.objects.select_for_update().get_or_create(learner_id=learner_id, course_id=course_id,
                                                                         defaults={"model_name": MODEL_NAME})
    return traits


def learner_write(state: FilterState, i: int, *, traits: LearnerTraits, concepts: dict[int, int],
                  at: datetime) -> None:
    """Write learner i of ``state``: its level and answer totals, and the given concepts (concept id -> index)."""
    traits.mean = {**traits.mean, "level": float(state.level_mean[i])}
    traits.variance = {**traits.variance, "level": float(state.level_var[i])}
    traits.right, traits.wrong = float(state.total_right[i]), float(state.total_wrong[i])
    traits.recent_right, traits.recent_wrong = float(state.recent_right[i]), float(state.recent_wrong[i])
    traits.model_name, traits.updated_at = MODEL_NAME, at
    traits.save()
    _concept_states_write([_concept_state(state, i, k, learner_id=traits.learner_id, concept_id=concept_id)
                           for concept_id, k in concepts.items()])


def cohort_write(state: FilterState, posterior: Posterior, *, learner_ids: list[int], course_id: int,
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
            concepts.append(_concept_state(state, i, k, learner_id=learner_id, concept_id=concept_ids[k]))
    LearnerTraits.objects.bulk_create(traits, update_conflicts=True, unique_fields=["learner_id", "course_id"],
                                      update_fields=["model_name", "mean", "variance", "right", "wrong",
                                                     "recent_right", "recent_wrong", "updated_at"])
    _concept_states_write(concepts)


def _concept_state(state: FilterState, i: int, k: int, *, learner_id: int, concept_id: int) -> ConceptState:
    return ConceptState(learner_id=learner_id, concept_id=concept_id, offset=float(state.offset[i, k]),
                        fresh=float(state.fresh[i, k]), coupling=float(state.coupling[i, k]),
                        variance=float(state.variance[i, k]),
                        right=float(state.right[i, k]), wrong=float(state.wrong[i, k]),
                        updated_at=moment(float(state.last_seen[i, k])))


def _concept_states_write(rows: list[ConceptState]) -> None:
    """Insert these learner x concept beliefs, replacing the stored ones (one statement)."""
    ConceptState.objects.bulk_create(rows, update_conflicts=True, unique_fields=["learner_id", "concept"],
                                     update_fields=["offset", "fresh", "coupling", "variance", "right", "wrong",
                                                    "updated_at"])
