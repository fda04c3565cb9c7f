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
    """Posterior over one learner's knowledge of one concept: z ~ N(mean, variance) on the logit scale."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="concept_states")
    concept = models.ForeignKey(Concept, on_delete=models.CASCADE, related_name="states")
    mean = models.FloatField()
    variance = models.FloatField()
    updated_at = models.DateTimeField(default=timezone.now)
    attempts = models.PositiveIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "concept"], name="unique_concept_state")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.concept}: {self.mean:+.2f} ± {self.variance ** 0.5:.2f}"


class LearnerTraits(models.Model):
    """Posterior over one learner's traits in one course (names and meaning set by the learner model)."""

    learner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="traits")
    course = models.ForeignKey("tutoring.Course", on_delete=models.CASCADE, related_name="+")
    model_name = models.CharField(max_length=64)
    mean = models.JSONField(default=dict)
    variance = models.JSONField(default=dict)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["learner", "course"], name="unique_learner_traits")]

    def __str__(self) -> str:
        return f"{self.learner} · {self.course} ({self.model_name})"
