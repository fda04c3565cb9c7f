"""The concept graph of a course and the learner-state tables that the learner model fills.

Courses and learners belong to the session domain above (``tutoring``): these tables keep their ids as plain
numbers (``course_id``, ``learner_id``) and hold no reference into that domain's tables, so the knowledge layer
stands on its own. The session domain hands the ids in and asks this layer to forget them when it deletes them.
"""

from __future__ import annotations

from django.db import models
from django.utils import timezone


class Concept(models.Model):
    course_id = models.BigIntegerField(db_index=True, help_text="The course (tutoring.Course).")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Teaching order among concepts the graph leaves free.")

    class Meta:
        ordering = ["course_id", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["course_id", "slug"], name="unique_concept_slug")]

    def __str__(self) -> str:
        return self.name


class Prerequisite(models.Model):
    """Edge ``prerequisite -> concept``: the concept builds on the prerequisite. The graph stays acyclic."""

    prerequisite = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="enables")
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="prerequisite_edges")
    weight = models.FloatField(default=1.0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["prerequisite", "concept"], name="unique_prerequisite_edge"),
            models.CheckConstraint(condition=~models.Q(prerequisite=models.F("concept")), name="no_self_prerequisite"),
        ]

    def __str__(self) -> str:
        return f"{self.prerequisite} → {self.concept}"


class ConceptState(models.Model):
    """The learner model's belief about one learner's knowledge of one concept (see knowledge.learner.filter).

    d | mu ~ N(offset + coupling mu, variance) is what the answers show beyond the learner's level mu and
    practice, as of ``updated_at`` (given the level: an answer is evidence about both, see ``FilterState``);
    ``fresh`` is the fading gain of recent practice (not evidence, left out of mastery); ``right`` / ``wrong``
    count the answers on the concept (expected counts are not stored).
    """

    learner_id = models.BigIntegerField(help_text="The learner (tutoring.User).")
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="states")
    offset = models.FloatField()
    fresh = models.FloatField(default=0.0)
    coupling = models.FloatField(default=0.0)
    variance = models.FloatField()
    right = models.FloatField(default=0.0)
    wrong = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner_id", "concept"], name="unique_concept_state")]

    def __str__(self) -> str:
        return f"learner {self.learner_id} · {self.concept}: {self.right:.0f} right, {self.wrong:.0f} wrong"


class LearnerTraits(models.Model):
    """Posterior over one learner's traits in one course: ``mean`` / ``variance`` by trait name
    ("level" is updated with every answer; the others by cohort refits); ``right`` / ``wrong`` count the
    learner's answers in the course (an answer on an item with several concepts counts once here, once on each
    of its concepts' states); ``recent_right`` / ``recent_wrong`` count them too, each weighed down by
    ``RECENCY_DECAY`` with every later answer (the learner model's recency term)."""

    learner_id = models.BigIntegerField(help_text="The learner (tutoring.User).")
    course_id = models.BigIntegerField(db_index=True, help_text="The course (tutoring.Course).")
    model_name = models.CharField(max_length=64)
    mean = models.JSONField(default=dict)
    variance = models.JSONField(default=dict)
    right = models.FloatField(default=0.0)
    wrong = models.FloatField(default=0.0)
    recent_right = models.FloatField(default=0.0)
    recent_wrong = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name_plural = "learner traits"
        constraints = [models.UniqueConstraint(fields=["learner_id", "course_id"], name="unique_learner_traits")]

    def __str__(self) -> str:
        return f"learner {self.learner_id} · course {self.course_id} ({self.model_name})"


class ModelSnapshot(models.Model):
    """One cohort fit of the learner model for a course. Refits write a new snapshot, then switch to it."""

    class Status(models.TextChoices):
        FITTING = "fitting", "Fitting"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    course_id = models.BigIntegerField(db_index=True, help_text="The course (tutoring.Course).")
    version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.FITTING)
    progress = models.FloatField(default=0.0, help_text="Share of the fit done, 0 to 1.")
    message = models.TextField(blank=True)
    answers = models.PositiveIntegerField(help_text="Answers the fit saw.")
    last_attempt_id = models.BigIntegerField(null=True, help_text="The newest attempt the fit saw.")
    parameters = models.JSONField(default=dict, help_text="Posterior, indexed by concept_ids / item_ids.")
    concept_ids = models.JSONField(default=list)
    item_ids = models.JSONField(default=list)
    is_active = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["course_id", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["course_id", "version"], name="unique_snapshot_version"),
            models.UniqueConstraint(fields=["course_id"], condition=models.Q(is_active=True),
                                    name="one_active_snapshot_per_course"),
        ]

    def __str__(self) -> str:
        return f"course {self.course_id} v{self.version} ({self.status})"
