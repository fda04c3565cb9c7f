"""Background work for the learner model. Every task is safe to run twice."""

from celery import shared_task


@shared_task(name="knowledge.learner_model_refit")
def learner_model_refit(*, course_id: int) -> int:
    """Refit the course's learner model (a no-op when no answer arrived since the active fit); its version."""
    import torch

    from knowledge.services import learner_model_refit as refit

    # Workers share their cores: with more than one torch thread a busy neighbour slows each SVI step 10-50x.
    torch.set_num_threads(1)
    return refit(course_id=course_id).version
