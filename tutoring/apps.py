from django.apps import AppConfig


class TutoringConfig(AppConfig):
    name = "tutoring"
    verbose_name = "Tutoring"

    def ready(self) -> None:
        from tutoring import checks  # noqa: F401  (registers the system check)
