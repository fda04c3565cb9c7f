"""Curator tools in the Django admin: courses, the concept graph, items and templates, and read-only records.

The admin is a page of the browser edge like any other: it reads and writes through the models and services of
the layers below. Adding a prerequisite that closes a cycle is refused, naming the cycle.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import ValidationError
from django.db.models import OuterRef, Subquery

from knowledge.models import Concept, ConceptState, LearnerTraits, ModelSnapshot, Prerequisite
from knowledge.services import graph_edge_check
from tutoring.models import (
    Attempt,
    ChatMessage,
    Classroom,
    Course,
    Enrolment,
    Item,
    ItemTemplate,
    LearningSession,
    StepAttempt,
    User,
)


class CuratorAccess:
    """Curators edit course content; superusers do everything; nobody else sees these pages."""

    def has_module_permission(self, request) -> bool:
        return request.user.is_active and request.user.is_curator

    def has_view_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_add_permission(self, request, *args) -> bool:
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)

    def has_delete_permission(self, request, obj=None) -> bool:
        return self.has_module_permission(request)


class ReadOnlyRecords(CuratorAccess):
    """Attempts, chat and the learner model's beliefs are facts: viewable, never edited."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


class CourseFilter(admin.SimpleListFilter):
    """Rows of the knowledge layer, which keeps a course as its id, filtered by course title."""

    title = "course"
    parameter_name = "course"
    field = "course_id"

    def lookups(self, request, model_admin):
        return list(Course.objects.order_by("title").values_list("id", "title"))

    def queryset(self, request, queryset):
        return queryset.filter(**{self.field: self.value()}) if self.value() else queryset


class ConceptCourseFilter(CourseFilter):
    field = "concept__course_id"


class NamedIds:
    """Rows of the knowledge layer keep a course and a learner as ids: their names come with the rows, in the same
    query (``course_title``, ``learner_name``)."""

    def get_queryset(self, request):
        rows = super().get_queryset(request)
        fields = {field.name for field in rows.model._meta.fields}
        if "course_id" in fields:
            rows = rows.annotate(course_name=Subquery(Course.objects.filter(pk=OuterRef("course_id")).values("title")))
        if "learner_id" in fields:
            rows = rows.annotate(learner_username=Subquery(
                User.objects.filter(pk=OuterRef("learner_id")).values("username")))
        return rows


@admin.display(description="course")
def course_title(row) -> str:
    return row.course_name or f"#{row.course_id}"


@admin.display(description="learner")
def learner_name(row) -> str:
    return row.learner_username or f"#{row.learner_id}"


@admin.register(User)
class CairnUserAdmin(UserAdmin):
    fieldsets = (*UserAdmin.fieldsets, ("Cairn", {"fields": ("role",)}))
    add_fieldsets = (*UserAdmin.add_fieldsets, ("Cairn", {"fields": ("role",)}))
    list_display = ("username", "first_name", "last_name", "role", "is_staff")
    list_filter = ("role", "is_staff", "is_superuser")


@admin.register(Course)
class CourseAdmin(CuratorAccess, admin.ModelAdmin):
    list_display = ("title", "slug")
    prepopulated_fields = {"slug": ("title",)}


class EnrolmentInline(admin.TabularInline):
    model = Enrolment
    extra = 0
    autocomplete_fields = ("student",)


@admin.register(Classroom)
class ClassroomAdmin(admin.ModelAdmin):
    list_display = ("name", "course", "teacher", "tutor_enabled", "tutor_telling")
    inlines = [EnrolmentInline]


@admin.register(ItemTemplate)
class ItemTemplateAdmin(CuratorAccess, admin.ModelAdmin):
    list_display = ("slug", "course", "difficulty")
    list_filter = ("course", "concepts")
    search_fields = ("slug",)
    filter_horizontal = ("concepts",)


@admin.register(Item)
class ItemAdmin(CuratorAccess, admin.ModelAdmin):
    list_display = ("slug", "course", "answer_kind", "difficulty", "is_active")
    list_filter = ("course", "answer_kind", "is_active", "concepts")
    search_fields = ("slug", "prompt")
    filter_horizontal = ("concepts",)


@admin.register(LearningSession)
class LearningSessionAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("id", "learner", "course", "started_at", "ended_at")


@admin.register(Attempt)
class AttemptAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("created_at", "learner", "item", "response", "correct", "hints_used", "assisted")
    list_filter = ("correct", "assisted")


@admin.register(StepAttempt)
class StepAttemptAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("created_at", "learner", "item", "step", "response", "correct")
    list_filter = ("correct",)


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("created_at", "session", "author", "text")


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


class PrerequisiteInline(CuratorAccess, admin.TabularInline):
    model = Prerequisite
    form = PrerequisiteForm
    fk_name = "concept"
    extra = 0
    autocomplete_fields = ("prerequisite",)
    verbose_name = "prerequisite"


class ConceptForm(forms.ModelForm):
    """The course is picked by title; the concept keeps its id."""

    course_id = forms.TypedChoiceField(label="Course", coerce=int)

    class Meta:
        model = Concept
        fields = ("course_id", "slug", "name", "description", "position")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["course_id"].choices = list(Course.objects.order_by("title").values_list("id", "title"))


@admin.register(Concept)
class ConceptAdmin(NamedIds, CuratorAccess, admin.ModelAdmin):
    form = ConceptForm
    list_display = ("name", "slug", course_title)
    list_filter = (CourseFilter,)
    search_fields = ("name", "slug")
    inlines = [PrerequisiteInline]


@admin.register(Prerequisite)
class PrerequisiteAdmin(CuratorAccess, admin.ModelAdmin):
    form = PrerequisiteForm
    list_display = ("prerequisite", "concept", "weight")
    list_filter = (ConceptCourseFilter,)
    autocomplete_fields = ("prerequisite", "concept")


@admin.register(ConceptState)
class ConceptStateAdmin(NamedIds, ReadOnlyRecords, admin.ModelAdmin):
    list_display = (learner_name, "concept", "right", "wrong", "offset", "coupling", "variance", "updated_at")
    list_filter = (ConceptCourseFilter,)
    fields = readonly_fields = (learner_name, "concept", "right", "wrong", "offset", "coupling", "variance",
                                "updated_at")


@admin.register(LearnerTraits)
class LearnerTraitsAdmin(NamedIds, ReadOnlyRecords, admin.ModelAdmin):
    list_display = (learner_name, course_title, "model_name", "updated_at")
    list_filter = (CourseFilter,)
    fields = readonly_fields = (learner_name, course_title, "model_name", "mean", "variance", "right", "wrong",
                                "recent_right", "recent_wrong", "updated_at")


@admin.register(ModelSnapshot)
class ModelSnapshotAdmin(NamedIds, ReadOnlyRecords, admin.ModelAdmin):
    list_display = (course_title, "version", "status", "progress", "answers", "is_active", "created_at", "finished_at")
    list_filter = (CourseFilter,)
    fields = readonly_fields = (course_title, "version", "status", "progress", "message", "answers",
                                "last_attempt_id", "is_active", "created_at", "finished_at")
