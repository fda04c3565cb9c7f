"""What a cohort fit leaves behind: the posterior medians the online filter, the edge suggestions and the stored
snapshots read."""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import torch

TRAIT_NAMES = ("log_alpha", "mu", "log_sigma")
# Prior centre of the traits: forgetting on a scale of days, level near the middle, moderate wandering.
TRAIT_PRIOR_LOC = torch.tensor([math.log(0.2), 0.0, math.log(0.5)])


@dataclass(frozen=True)
class Posterior:
    """Posterior medians of everything the online filter needs; without edges, transfer is off (gamma 0)."""

    trait_loc: torch.Tensor  # (3,)
    trait_scale: torch.Tensor  # (3,)
    traits: torch.Tensor  # (L, 3) learners of the cohort
    item_difficulty: torch.Tensor  # (I,)
    concept_difficulty: torch.Tensor  # (K,)
    learn_right: torch.Tensor  # (K,) beta_k^+, the lasting gain of a right answer
    learn_wrong: torch.Tensor  # (K,) beta_k^-, of a wrong one: never above beta_k^+ (the model's parametrisation)
    fading_gain: torch.Tensor  # (K, 2) delta_k^+ after a right answer, delta_k^- after a wrong one
    discrimination: torch.Tensor  # (K,) kappa_k
    general: torch.Tensor  # (2,) general practice coefficients g^+ >= g^-, right and wrong
    item_seen: torch.Tensor  # (I,) bool: items the cohort answered (others take their concept's difficulty)
    edges: torch.Tensor = field(default_factory=lambda: torch.empty(0, 2, dtype=torch.long))  # (E, 2) parent, child
    edge_weight: torch.Tensor = field(default_factory=lambda: torch.empty(0))  # (E,) w_{jk}
    edge_interval: torch.Tensor = field(default_factory=lambda: torch.empty(0, 2))  # (E, 2) 90 % credible interval
    gamma: torch.Tensor = field(default_factory=lambda: torch.tensor(0.0))  # () transfer rate
    recency: torch.Tensor = field(default_factory=lambda: torch.zeros(2))  # (2,) eta^+, eta^- of the recency term
    retry_guess: torch.Tensor = field(default_factory=lambda: torch.tensor(0.0))  # () f: a retry right unknowing
