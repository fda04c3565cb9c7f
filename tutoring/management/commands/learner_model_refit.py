"""python manage.py learner_model_refit [--course SLUG] — fit the learner model to the answers so far."""

from django.core.management.base import BaseCommand, CommandError

from knowledge.beliefs import REFIT_STEPS
from tutoring.learner_model import learner_model_refit
from tutoring.models import Course


class Command(BaseCommand):
    help = "Refit the learner model of one course (or every course) and switch to the new fit."

    def add_arguments(self, parser):
        parser.add_argument("--course", help="course slug; all courses when left out")
        parser.add_argument("--steps", type=int, default=REFIT_STEPS, help="SVI steps")

    def handle(self, *args, course: str | None, steps: int, **options):
        if steps < 1:
            raise CommandError("--steps must be at least 1", returncode=2)
        courses = Course.objects.filter(slug=course) if course else Course.objects.all()
        if course and not courses.exists():
            raise CommandError(f"no course with the slug {course!r}", returncode=2)
        for each in courses:
            try:
                snapshot = learner_model_refit(course_id=each.id, steps=steps, progress=True)
            except ValueError as error:
                self.stdout.write(f"{each.title}: {error}")
                continue
            self.stdout.write(self.style.SUCCESS(
                f"{each.title}: learner model version {snapshot.version}, fitted to {snapshot.answers} answers"))
