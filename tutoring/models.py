"""The session domain: people, courses, classes, items, practice sessions, attempts and chat."""

from __future__ import annotations

from django.contrib.auth.models import AbstractUser
from django.core.exceptions import ValidationError
from django.db import models
from django.utils import timezone

from llm.answer_forms import AnswerForm, FormSpecError


class User(AbstractUser):
    class Role(models.TextChoices):
        STUDENT = "student", "Student"
        TEACHER = "teacher", "Teacher"
        CURATOR = "curator", "Curator"

    role = models.CharField(max_length=16, choices=Role.choices, default=Role.STUDENT)

    @property
    def is_student(self) -> bool:
        return self.role == self.Role.STUDENT

    @property
    def is_teacher(self) -> bool:
        return self.role == self.Role.TEACHER

    @property
    def is_curator(self) -> bool:
        return self.role == self.Role.CURATOR or self.is_superuser


class Course(models.Model):
    """A course owns one concept graph (knowledge.Concept / Prerequisite) and an item bank."""

    slug = models.SlugField(unique=True)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)

    def __str__(self) -> str:
        return self.title


class Classroom(models.Model):
    """A teacher's class following one course."""

    class Telling(models.TextChoices):
        HINTS = "hints", "Hints only, never the worked solution before it is solved"
        SOLUTION = "solution", "Hints, then the worked solution once the student has tried twice"

    name = models.CharField(max_length=200)
    course = models.ForeignKey(Course, on_delete=models.PROTECT, related_name="classrooms")
    teacher = models.ForeignKey(User, on_delete=models.PROTECT, related_name="taught_classrooms")
    students = models.ManyToManyField(User, through="Enrolment", related_name="classrooms")
    tutor_enabled = models.BooleanField(default=True, help_text="Whether students see the AI tutor chat.")
    tutor_telling = models.CharField(max_length=16, choices=Telling.choices, default=Telling.HINTS)

    def __str__(self) -> str:
        return self.name


class Enrolment(models.Model):
    classroom = models.ForeignKey(Classroom, on_delete=models.CASCADE, related_name="enrolments")
    student = models.ForeignKey(User, on_delete=models.CASCADE, related_name="enrolments")
    enrolled_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["classroom", "student"], name="unique_enrolment")]

    def __str__(self) -> str:
        return f"{self.student} in {self.classroom}"


class ItemTemplate(models.Model):
    """A parameterized item: ``spec`` is the template as written in the course file (see item_templates)."""

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="item_templates")
    slug = models.SlugField(max_length=100)
    concepts = models.ManyToManyField("knowledge.Concept", related_name="item_templates")
    difficulty = models.FloatField(default=0.0)
    spec = models.JSONField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_template_slug")]

    def __str__(self) -> str:
        return self.slug


def answer_form_validate(text: str) -> None:
    """An item's form as curators may type it in the admin: blank, or one the answer checker knows."""
    if text:
        try:
            AnswerForm.parse(text)
        except FormSpecError as error:
            raise ValidationError(str(error)) from error


class Item(models.Model):
    class AnswerKind(models.TextChoices):
        NUMERIC = "numeric", "Number"
        EXPRESSION = "expression", "Expression"
        CHOICE = "choice", "Multiple choice"

    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="items")
    slug = models.SlugField(max_length=120)
    template = models.ForeignKey(ItemTemplate, null=True, blank=True, on_delete=models.SET_NULL, related_name="items")
    seed = models.IntegerField(null=True, blank=True)
    concepts = models.ManyToManyField("knowledge.Concept", related_name="items")
    prompt = models.TextField()
    answer_kind = models.CharField(max_length=16, choices=AnswerKind.choices)
    answer = models.CharField(max_length=200, help_text="SymPy-readable key; for choice items the correct choice.")
    tolerance = models.FloatField(default=0.0)
    form = models.CharField(max_length=32, blank=True, default="", validators=[answer_form_validate],
                            help_text="The form the answer must take (llm.answer_forms), e.g. number, lowest-terms, "
                                      "decimal:2, expanded; blank for any.")
    choices = models.JSONField(default=list, blank=True)
    variables = models.JSONField(default=list, blank=True)
    hints = models.JSONField(default=list, help_text="Ordered hints, gentlest first.")
    solution = models.TextField(help_text="Worked solution, shown only after the student has tried.")
    wrong_answers = models.JSONField(
        default=list, blank=True,
        help_text="Common wrong answers: [{answer, feedback, error, concept}]; a matching answer gets its feedback.")
    steps = models.JSONField(
        default=list, blank=True,
        help_text="Steps a stuck student can work through: [{prompt, answer, answer_kind, choices, hint}].")
    difficulty = models.FloatField(default=0.0, help_text="Logit scale: -2 very easy, +2 hard.")
    is_active = models.BooleanField(default=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["course", "slug"], name="unique_item_slug")]

    def __str__(self) -> str:
        return self.slug


class LearningSession(models.Model):
    """One sitting of practice. Holds the item on screen and how many of its hints were shown."""

    learner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="learning_sessions")
    course = models.ForeignKey(Course, on_delete=models.CASCADE, related_name="learning_sessions")
    classroom = models.ForeignKey(Classroom, null=True, blank=True, on_delete=models.SET_NULL)
    focus_concept = models.ForeignKey("knowledge.Concept", null=True, blank=True, on_delete=models.SET_NULL,
                                      related_name="+", help_text="Practise only this concept (chosen by the student).")
    started_at = models.DateTimeField(default=timezone.now)
    ended_at = models.DateTimeField(null=True, blank=True)
    current_item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    hints_shown = models.PositiveSmallIntegerField(default=0)
    current_attempts = models.PositiveSmallIntegerField(default=0)
    current_solved = models.BooleanField(default=False)
    current_step = models.PositiveSmallIntegerField(
        null=True, blank=True, help_text="The step on screen once the student works through the steps (from 0).")
    current_solution_shown = models.BooleanField(default=False)

    def __str__(self) -> str:
        return f"{self.learner} · {self.course} · {self.started_at:%Y-%m-%d %H:%M}"

    @property
    def current_assisted(self) -> bool:
        """Whether the steps or the worked solution of the item on screen have been shown."""
        return self.current_step is not None or self.current_solution_shown


class AppendOnlyModel(models.Model):
    """Rows are facts: written once, never updated or deleted through the ORM."""

    class Meta:
        abstract = True

    def save(self, *args, **kwargs) -> None:
        if not self._state.adding:
            raise ValueError(f"{type(self).__name__} rows are append-only")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError(f"{type(self).__name__} rows are append-only")


class Attempt(AppendOnlyModel):
    client_id = models.UUIDField(unique=True, help_text="Generated by the client; a resend is stored once.")
    session = models.ForeignKey(LearningSession, on_delete=models.PROTECT, related_name="attempts")
    learner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="attempts")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="attempts")
    response = models.CharField(max_length=100)
    correct = models.BooleanField()
    feedback = models.CharField(max_length=400, blank=True, help_text="What the student was told.")
    common_wrong_answer = models.JSONField(
        null=True, blank=True, help_text="The item's common wrong answer this answer matched, as declared.")
    assisted = models.BooleanField(
        default=False, help_text="Given with the steps or the worked solution shown: not evidence for mastery.")
    hints_used = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["learner", "created_at"])]

    def __str__(self) -> str:
        return f"{self.learner} · {self.item} · {'right' if self.correct else 'wrong'}"


class StepAttempt(AppendOnlyModel):
    """An answer to one step of an item's steps. Kept apart from ``Attempt``: steps are help, not evidence."""

    client_id = models.UUIDField(unique=True, help_text="Generated by the client; a resend is stored once.")
    session = models.ForeignKey(LearningSession, on_delete=models.PROTECT, related_name="step_attempts")
    learner = models.ForeignKey(User, on_delete=models.PROTECT, related_name="step_attempts")
    item = models.ForeignKey(Item, on_delete=models.PROTECT, related_name="step_attempts")
    step = models.PositiveSmallIntegerField(help_text="Which step, from 0.")
    response = models.CharField(max_length=100)
    correct = models.BooleanField()
    feedback = models.CharField(max_length=400, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    def __str__(self) -> str:
        return f"{self.learner} · {self.item} step {self.step + 1} · {'right' if self.correct else 'wrong'}"


class ChatMessage(AppendOnlyModel):
    class Author(models.TextChoices):
        STUDENT = "student", "Student"
        TUTOR = "tutor", "Tutor"

    session = models.ForeignKey(LearningSession, on_delete=models.PROTECT, related_name="chat_messages")
    item = models.ForeignKey(Item, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    author = models.CharField(max_length=16, choices=Author.choices)
    text = models.TextField()
    client_id = models.UUIDField(null=True, blank=True, unique=True)
    in_reply_to = models.OneToOneField("self", null=True, blank=True, on_delete=models.PROTECT, related_name="reply")
    trace = models.JSONField(default=dict, blank=True, help_text="The decisions behind a tutor turn.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return f"{self.author}: {self.text[:60]}"
