"""The learner model of a course, behind one door.

    from knowledge.beliefs import learner_model
    model = learner_model(course_id=course.id, items=items)      # items: the course's ItemEvidence
    model.mastery(learner_ids=[student.id], at=now)              # {(learner_id, concept_id): Mastery}

``LearnerModel`` observes an answer, reads mastery with its 90 % interval and its retention forecast, predicts
P(right) per item and what an answer to it would do to mastery, gathers the beliefs the tutor's agents read, lists
the prerequisite edges the answers suggest, and refits to a course's answers. Only this package touches the model's
tensors (``knowledge.learner``), the cache of built course models and the model's clock; callers get the plain
values of ``knowledge.beliefs.values``.

The model reasons over what this layer owns, the concept graph, and over the course's items (which concepts each
exercises, its authored difficulty), which the session domain owns and hands in as ``ItemEvidence``; a refit
is handed the answers (``AnswerRecord``) in the same way. Learners and courses are plain ids here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime, timedelta

import torch
from django.db import transaction

from knowledge.beliefs.clock import days
from knowledge.beliefs.course import CourseModel, course_model
from knowledge.beliefs.refit import REFIT_STEPS, cohort_fit_activate, cohort_fit_store
from knowledge.beliefs.store import beliefs_read, learner_write, traits_lock
from knowledge.beliefs.values import AnswerOutlook, AnswerRecord, ConceptEvidence, ItemEvidence, Mastery, SuggestedEdge
from knowledge.learner.filter import FilterState, filter_mastery, filter_step, filter_success, item_difficulty_of
from knowledge.models import Concept, ModelSnapshot, Prerequisite

RETENTION_DAYS = 7  # how far ahead the retention forecast looks

__all__ = ["REFIT_STEPS", "RETENTION_DAYS", "AnswerOutlook", "AnswerRecord", "ConceptEvidence", "SuggestedEdge",
           "ItemEvidence", "LearnerModel", "Mastery", "learner_model"]


def learner_model(*, course_id: int, items: Sequence[ItemEvidence]) -> LearnerModel:
    """The learner model of a course with these items (every item of the course, as the session domain has them)."""
    return LearnerModel(course_id=course_id, items=tuple(items))


class LearnerModel:
    """One course's learner model: reads and writes of its learners' beliefs (see the package docstring)."""

    def __init__(self, *, course_id: int, items: tuple[ItemEvidence, ...]):
        self.course_id = course_id
        self.items = items
        self.course: CourseModel = course_model(course_id=course_id, items=items)

    @property
    def version(self) -> int | None:
        """The active fit's version; None before the course's first fit."""
        return self.course.version

    def concepts_of(self, item_id: int) -> list[int]:
        """The concepts an item's answers are evidence about, main first; [] for an item left without concepts."""
        return self.course.concepts_of(item_id)

    def observe(self, *, learner_id: int, item_id: int, correct: bool, at: datetime,
                retry: bool = False) -> dict[int, Mastery]:
        """Absorb one answer into the learner's beliefs at once (the filter step of the learner model).

        The answer is evidence about the item's main concept and practice on each of its concepts; a ``retry`` (the
        learner answered this item before) is weaker evidence than a first try. Must run inside
        the caller's transaction: the learner's traits row is locked, so two answers are applied one after the
        other. Returns the mastery of the item's concepts after the answer: none for an item whose concepts were
        all deleted, which the model no longer covers.
        """
        model = self.course
        if item_id not in model.item_index:
            return {}
        traits = traits_lock(learner_id=learner_id, course_id=self.course_id)
        state = beliefs_read(model, course_id=self.course_id, learner_ids=[learner_id])
        item = torch.tensor([model.item_index[item_id]])
        concepts = model.item_concepts[item]  # (1, M), -1 padded
        k = concepts[0][concepts[0] >= 0]  # (S,) the item's concepts
        indices = {model.concept_ids[j]: j for j in k.tolist()}  # concept id -> index, in k's order
        main = concepts[:, 0]
        filter_step(model.posterior, state, who=torch.tensor([0]), concept=main,
                    difficulty=item_difficulty_of(model.posterior, item, main), time=torch.tensor([days(at)]),
                    correct=torch.tensor([float(correct)]), observe=torch.tensor([True]), concepts=concepts,
                    retry=torch.tensor([retry]))
        learner_write(state, 0, traits=traits, concepts=indices, at=at)
        p, low, high = self._concept_mastery(state, who=torch.zeros(len(k), dtype=torch.long), concept=k, at=at)
        return {concept_id: Mastery(p=float(p[m]), low=float(low[m]), high=float(high[m]), observed=True)
                for m, concept_id in enumerate(indices)}

    def mastery(self, *, learner_ids: list[int], at: datetime) -> dict[tuple[int, int], Mastery]:
        """Mastery of every concept for each learner: P(right on a typical item of the concept) at ``at``."""
        state = beliefs_read(self.course, course_id=self.course_id, learner_ids=learner_ids)
        return self._mastery_at(state, learner_ids=learner_ids, at=at)

    def outlook(self, *, learner_ids: list[int], at: datetime, days_ahead: float = RETENTION_DAYS
                ) -> tuple[dict[tuple[int, int], Mastery], dict[tuple[int, int], Mastery]]:
        """(mastery at ``at``, retention forecast), from one read of the stored beliefs. The forecast is the mastery
        ``days_ahead`` days later if the learner does not practise until then: each concept's knowledge path relaxes
        towards its long-term mean, and the interval widens with the time ahead."""
        state = beliefs_read(self.course, course_id=self.course_id, learner_ids=learner_ids)
        return (self._mastery_at(state, learner_ids=learner_ids, at=at),
                self._mastery_at(state, learner_ids=learner_ids, at=at + timedelta(days=days_ahead)))

    def item_success(self, *, learner_id: int, item_ids: list[int], at: datetime) -> dict[int, float]:
        """P(right) of one learner on each of these items at ``at``, with how their last answers went."""
        model = self.course
        state = beliefs_read(model, course_id=self.course_id, learner_ids=[learner_id])
        known = [i for i in item_ids if i in model.item_index]
        if not known:
            return {}
        item = torch.tensor([model.item_index[i] for i in known])
        concepts = model.item_concepts[item]  # (B, M)
        main = concepts[:, 0]
        p = filter_success(model.posterior, state, who=torch.zeros(len(known), dtype=torch.long), concept=main,
                                 difficulty=item_difficulty_of(model.posterior, item, main),
                                 time=torch.full((len(known),), days(at)), concepts=concepts)
        return dict(zip(known, p.tolist(), strict=True))

    def answer_outlook(self, *, learner_id: int, item_ids: list[int], at: datetime) -> dict[int, AnswerOutlook]:
        """What one answer at ``at`` to each of these items would do to the learner's mastery of the item's concepts:
        the filter step of ``observe`` run on a copy of the beliefs, once with a right answer and once with a wrong
        one; nothing is stored. Items the model does not know are left out."""
        model = self.course
        known = [i for i in item_ids if i in model.item_index]
        if not known:
            return {}
        stored = beliefs_read(model, course_id=self.course_id, learner_ids=[learner_id])
        n = len(known)
        # Rows 0..n-1 answer each item right, rows n..2n-1 wrong: 2n copies of the learner's one row.
        state = FilterState(**{name: value[torch.zeros(2 * n, dtype=torch.long)]
                               for name, value in vars(stored).items()})
        item = torch.tensor([model.item_index[i] for i in known]).repeat(2)
        concepts = model.item_concepts[item]  # (2n, M), -1 padded
        main = concepts[:, 0]
        time = torch.full((2 * n,), days(at))
        success = filter_step(model.posterior, state, who=torch.arange(2 * n), concept=main,
                              difficulty=item_difficulty_of(model.posterior, item, main), time=time,
                              correct=torch.cat([torch.ones(n), torch.zeros(n)]),
                              observe=torch.ones(2 * n, dtype=torch.bool), concepts=concepts)
        present = concepts >= 0
        rows = torch.arange(2 * n)[:, None].expand_as(concepts)[present]
        k = concepts[present]
        before, _, _ = self._concept_mastery(stored, who=torch.zeros(len(k), dtype=torch.long), concept=k, at=at)
        after, _, _ = self._concept_mastery(state, who=rows, concept=k, at=at)
        concept_ids = model.concept_ids
        now: list[dict[int, float]] = [{} for _ in range(2 * n)]
        then: list[dict[int, float]] = [{} for _ in range(2 * n)]
        for row, concept, p_before, p_after in zip(rows.tolist(), k.tolist(), before.tolist(), after.tolist(),
                                                   strict=True):
            now[row][concept_ids[concept]] = p_before
            then[row][concept_ids[concept]] = p_after
        return {item_id: AnswerOutlook(success=float(success[j]), now=now[j], after_right=then[j],
                                       after_wrong=then[n + j])
                for j, item_id in enumerate(known)}

    def beliefs(self, *, learner_id: int, concept_ids: list[int], at: datetime) -> dict[int, ConceptEvidence]:
        """What the tutor's agents may know of these concepts for one learner: mastery, the concept's typical
        difficulty and the learner's answers on it (concepts the model does not cover are left out)."""
        model = self.course
        state = beliefs_read(model, course_id=self.course_id, learner_ids=[learner_id])
        mastery = self._mastery_at(state, learner_ids=[learner_id], at=at)
        answers = (state.right + state.wrong)[0]
        return {
            concept_id: ConceptEvidence(
                concept_id=concept_id, mastery=mastery[learner_id, concept_id],
                difficulty=float(model.posterior.concept_difficulty[model.concept_index[concept_id]]),
                answers=int(answers[model.concept_index[concept_id]]))
            for concept_id in concept_ids if concept_id in model.concept_index
        }

    def edge_suggestions(self) -> list[SuggestedEdge]:
        """The active fit's suggested edges, best first, leaving out edges curated since and deleted concepts."""
        snapshot = ModelSnapshot.objects.filter(course_id=self.course_id, is_active=True).first()
        stored = [] if snapshot is None else snapshot.parameters.get("edge_suggestions", [])
        names = dict(Concept.objects.filter(course_id=self.course_id).values_list("id", "name"))
        curated = set(Prerequisite.objects.filter(concept__course_id=self.course_id)
                      .values_list("prerequisite_id", "concept_id"))
        return [SuggestedEdge(prerequisite_id=row["prerequisite"], prerequisite_name=names[row["prerequisite"]],
                               concept_id=row["concept"], concept_name=names[row["concept"]], score=row["score"],
                               evidence=row["evidence"], closes_cycle=row["closes_cycle"])
                for row in stored
                if row["prerequisite"] in names and row["concept"] in names
                and (row["prerequisite"], row["concept"]) not in curated]

    def refit(self, *, answers: Sequence[AnswerRecord], answers_after: Callable[[int], Sequence[AnswerRecord]],
              steps: int = REFIT_STEPS, progress: bool = False) -> ModelSnapshot:
        """Fit the learner model to every answer of the course, store the fit as a new snapshot, then switch to it.

        ``answers`` are the course's answers in the order they were given; ``answers_after(answer_id)`` gives those
        stored after one of them. The fit runs outside any transaction; the switch (activate the snapshot, rewrite
        every learner's beliefs by replaying their answers under the new parameters, then apply the answers that
        arrived meanwhile) is one transaction. With no new answer since the active fit nothing happens and the
        active snapshot is returned, so running it twice is harmless. ``snapshot.progress`` tells how far a running
        fit is; its parameters hold the fitted edge weights and the suggested edges (``edge_suggestions``).
        """
        fit = cohort_fit_store(self.course, course_id=self.course_id, answers=answers, steps=steps,
                               progress=progress)
        if fit is None:
            return ModelSnapshot.objects.get(course_id=self.course_id, is_active=True)
        with transaction.atomic():
            cohort_fit_activate(fit, course_id=self.course_id)
            fitted = learner_model(course_id=self.course_id, items=self.items)
            answered = {(answer.learner_id, answer.item_id) for answer in answers}
            for answer in answers_after(fit.snapshot.last_attempt_id):
                pair = (answer.learner_id, answer.item_id)
                fitted.observe(learner_id=answer.learner_id, item_id=answer.item_id, correct=answer.correct,
                               at=answer.at, retry=pair in answered)
                answered.add(pair)
        return fit.snapshot

    def _concept_mastery(self, state: FilterState, *, who: torch.Tensor, concept: torch.Tensor,
                         at: datetime) -> tuple[torch.Tensor, torch.Tensor, torch.Tensor]:
        """Mastery of each concept at ``at`` with its 90 % interval, for learner rows ``who`` of ``state`` (see
        ``Mastery``)."""
        return filter_mastery(self.course.posterior, state, who=who, concept=concept,
                              difficulty=self.course.posterior.concept_difficulty[concept],
                              time=torch.full((len(who),), days(at)))

    def _mastery_at(self, state: FilterState, *, learner_ids: list[int],
                    at: datetime) -> dict[tuple[int, int], Mastery]:
        model = self.course
        n_concepts = len(model.concept_index)
        if not learner_ids or not n_concepts:
            return {}
        who = torch.arange(len(learner_ids)).repeat_interleave(n_concepts)
        concept = torch.arange(n_concepts).repeat(len(learner_ids))
        p, low, high = self._concept_mastery(state, who=who, concept=concept, at=at)
        observed = (state.right + state.wrong)[who, concept] > 0
        return {
            (learner_ids[int(i)], model.concept_ids[int(k)]): Mastery(p=float(pp), low=float(lo), high=float(hi),
                                                               observed=bool(seen))
            for i, k, pp, lo, hi, seen in zip(who, concept, p, low, high, observed, strict=True)
        }
