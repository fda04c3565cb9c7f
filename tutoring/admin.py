"""Curator tools in the Django admin: courses, items and templates (the concept graph is in knowledge.admin)."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from tutoring.models import (
    Attempt,
    ChatMessage,
    Classroom,
    Course,
    Enrolment,
    Item,
    ItemTemplate,
    LearningSession,
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
    """Attempts and chat are facts: viewable, never edited."""

    def has_add_permission(self, request, *args) -> bool:
        return False

    def has_change_permission(self, request, obj=None) -> bool:
        return False

    def has_delete_permission(self, request, obj=None) -> bool:
        return False


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
    list_display = ("created_at", "learner", "item", "response", "correct", "hints_used")
    list_filter = ("correct",)


@admin.register(ChatMessage)
class ChatMessageAdmin(ReadOnlyRecords, admin.ModelAdmin):
    list_display = ("created_at", "session", "author", "text")
