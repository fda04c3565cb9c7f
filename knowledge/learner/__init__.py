"""Learner models: plain Python over plain data, no Django.

A learner's knowledge of concept k is a Gaussian belief z_k ~ N(mean, variance) on the logit scale,
stamped with the time it was last updated. The probability of answering an item of difficulty b that
exercises concepts K is

    P(correct) = sigmoid(mean_{k in K} z_k - b).

Every implementation answers three questions: what is the belief now (``predict``: carries beliefs
forward in time), how does one answer change it (``update``), and what does that mean for the student
(``mastery`` / ``p_correct``). The Django side (knowledge.services) loads and stores beliefs.
"""

from knowledge.learner.base import Belief, LearnerModel, Mastery, Prediction
from knowledge.learner.gaussian import GaussianLogitModel

__all__ = ["Belief", "GaussianLogitModel", "LearnerModel", "Mastery", "Prediction", "learner_model"]


def learner_model() -> LearnerModel:
    """The learner model the app uses."""
    return GaussianLogitModel()
