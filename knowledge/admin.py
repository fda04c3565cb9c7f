"""The concept graph in the admin. Adding a prerequisite that closes a cycle is refused, naming the cycle."""

from django import forms
from django.contrib import admin
from django.core.exceptions import ValidationError

from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot, Prerequisite
from knowledge.services import graph_edge_check
from tutoring.admin import CuratorAccess, ReadOnlyRecords


class PrerequisiteForm(forms.ModelForm):
    class Meta:
        model = Prerequisite
        fields = ("prerequisite", "concept", "weight")

    def clean(self):
        data = super().clean()
        prerequisite, concept = data.get("prerequisite"), data.get("concept")
        if prerequisite and concept:
            try:
                graph_edge_check(prerequisite=prerequisite, concept=concept, ignore_edge=self.instance.pk)
            except ValueError as error:
                raise ValidationError(str(error)) from error
        return data


class PrerequisiteInline(admin.TabularInline):
    model = Prerequisite
    form = PrerequisiteForm
    fk_name = "concept"
    extra = 0
    autocomplete_fields = ("prerequisite",)
    verbose_name = "prerequisite"


@admin.register(Concept)
class ConceptAdmin(CuratorAccess, admin.ModelAdmin):
    list_display = ("name", "slug", "course")
    list_filter = ("course",)
    search_fields = ("name", "slug")
    inlines = [PrerequisiteInline]


@admin.register(Prerequisite)
class PrerequisiteAdmin(CuratorAccess, admin.ModelAdmin):
    form = PrerequisiteForm
    list_display = ("prerequisite", "concept", "weight")
    list_filter = ("concept__course",)
    autocomplete_fields = ("prerequisite", "concept")


@admin.register(ConceptState)
class ConceptStateAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("learner", "concept", "right", "wrong", "offset", "coupling", "variance", "updated_at")


@admin.register(LearnerTraits)
class LearnerTraitsAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("learner", "course", "model_name", "updated_at")


@admin.register(ModelSnapshot)
class ModelSnapshotAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("course", "version", "status", "progress", "answers", "is_active", "created_at", "finished_at")
    exclude = ("parameters",)
