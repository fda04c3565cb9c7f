"""python manage.py demo_load — the demo course, accounts and history (safe to run again)."""

import logging

from django.core.management.base import BaseCommand

from tutoring.demo.load import demo_load


class Command(BaseCommand):
    help = "Load the demo course, demo accounts and a simulated practice history. Running it again changes nothing."

    def handle(self, *args, **options):
        # The simulated history runs every dashboard task in-process; a log line for each is noise here.
        logging.getLogger("celery.app.trace").setLevel(logging.WARNING)
        logins = demo_load()
        self.stdout.write(self.style.SUCCESS(f"Demo ready. Log in with the password '{logins.password}' as:"))
        self.stdout.write(f"  curator  : {logins.curator}   (edits the concept graph and items)")
        self.stdout.write(f"  teachers : {', '.join(logins.teachers)}   (one class each)")
        self.stdout.write(f"  students : {logins.students[0]} … {logins.students[-1]}   (30, with practice history)")
