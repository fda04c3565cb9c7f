"""python manage.py course_import COURSE.yaml — load or update a course file."""

from pathlib import Path

import yaml
from django.core.management.base import BaseCommand, CommandError

from tutoring.course_import import CourseFileError, course_import


class Command(BaseCommand):
    help = "Import a course file (YAML or JSON): concepts, prerequisites and item templates."

    def add_arguments(self, parser):
        parser.add_argument("path", type=Path)
        parser.add_argument("--items-per-template", type=int, default=4)

    def handle(self, *args, path: Path, items_per_template: int, **options):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8"))
        except OSError as error:
            raise CommandError(f"cannot read {path}: {error.strerror}", returncode=2) from error
        except yaml.YAMLError as error:
            raise CommandError(f"{path} is not valid YAML/JSON: {error}", returncode=2) from error
        try:
            result = course_import(data=data, items_per_template=items_per_template)
        except CourseFileError as error:
            raise CommandError(str(error), returncode=2) from error
        self.stdout.write(self.style.SUCCESS(
            f"{result.course.title}: {result.concepts} concepts, {result.prerequisites} prerequisites, "
            f"{result.templates} templates, {result.items} items"
        ))
