"""The concept graph of a course and the learner-state tables that the learner model fills."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class Concept(models.Model):
    course = models.ForeignKey("tutoring.Course", on_delete=models.CASCADE, related_name="concepts")
    slug = models.SlugField(max_length=100)
    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0, help_text="Teaching order among concepts the graph leaves free.")

    class Meta:
        ordering = ["course", "position", "name"]
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_concept_slug")]

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
    ``right`` / ``wrong`` count the answers on the concept (expected counts are not stored).
    """

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concept_states")
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="states")
    offset = models.FloatField()
    coupling = models.FloatField(default=0.0)
    variance = models.FloatField()
    right = models.FloatField(default=0.0)
    wrong = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "concept"], name="unique_concept_state")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.concept}: {self.right:.0f} right, {self.wrong:.0f} wrong"


class LearnerTraits(models.Model):
    """Posterior over one learner's traits in one course: ``mean`` / ``variance`` by trait name
    ("level" is updated with every answer; the others by cohort refits); ``right`` / ``wrong`` count the
    learner's answers in the course (an answer on an item with several concepts counts once here, once on each
    of its concepts' states); ``recent_right`` / ``recent_wrong`` count them too, each weighed down by
    ``RECENCY_DECAY`` with every later answer (the learner model's recency term)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="traits")
    course = models.ForeignKey("tutoring.Course", on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=64)
    mean = models.JSONField(default=dict)
    variance = models.JSONField(default=dict)
    right = models.FloatField(default=0.0)
    wrong = models.FloatField(default=0.0)
    recent_right = models.FloatField(default=0.0)
    recent_wrong = models.FloatField(default=0.0)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="unique_learner_traits")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course} ({self.model_name})"


class ModelSnapshot(models.Model):
    """One cohort fit of the learner model for a course. Refits write a new snapshot, then switch to it."""

    class Status(models.TextChoices):
        FITTING = "fitting", "Fitting"
        READY = "ready", "Ready"
        FAILED = "failed", "Failed"

    course = models.ForeignKey("tutoring.Course", on_delete=models.CASCADE, related_name="model_snapshots")
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
        ordering = ["course", "-version"]
        constraints = [
            models.UniqueConstraint(fields=["course", "version"], name="unique_snapshot_version"),
            models.UniqueConstraint(fields=["course"], condition=models.Q(is_active=True),
                                    name="one_active_snapshot_per_course"),
        ]

    def __str__(self) -> str:
        return f"{self.course} v{self.version} ({self.status})"
