"""Background work for the learner model. Every task is safe to run twice."""

from celery import shared_task


@shared_task(name="knowledge.learner_model_refit")
def learner_model_refit(*, course_id: int) -> int:
    """Refit the course's learner model (a no-op when no answer arrived since the active fit); its version."""
    from knowledge.services import learner_model_refit as refit

    return refit(course_id=course_id).version
