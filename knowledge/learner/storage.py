"""A posterior as plain lists, for storing it as JSON, and back; snapshots from before a term was added load with
that term off."""

from __future__ import annotations

from dataclasses import asdict, fields

import torch

from knowledge.learner.posterior import Posterior


def posterior_to_dict(posterior: Posterior) -> dict[str, list]:
    """Plain lists, for storing a posterior as JSON."""
    return {name: value.tolist() for name, value in asdict(posterior).items()}


# Values a stored posterior may lack, with their shapes and their defaults given the rest of it: snapshots from
# before transfer have no edges and gamma 0; snapshots from before fading gains have none (a zero row per concept),
# nor, from before discrimination, any discrimination (1 per concept), nor, from before the recency term, its
# coefficients (0: no recency), nor, from before retries were told apart, their guess (0).
_OPTIONAL = {"edges": ((-1, 2), lambda data: []), "edge_weight": ((-1,), lambda data: []),
             "edge_interval": ((-1, 2), lambda data: []), "gamma": ((), lambda data: 0.0),
             "fading_gain": ((-1, 2), lambda data: [[0.0, 0.0]] * len(data["concept_difficulty"])),
             "discrimination": ((-1,), lambda data: [1.0] * len(data["concept_difficulty"])),
             "recency": ((2,), lambda data: [0.0, 0.0]), "retry_guess": ((), lambda data: 0.0)}


def posterior_from_dict(data: dict[str, list]) -> Posterior:
    """The posterior stored by ``posterior_to_dict``; keys that are not Posterior fields are ignored. Snapshots
    from before a wrong answer's lasting gain was held to a right one's are brought to it: beta^- <= beta^+ and
    g^- <= g^+, which the mastery read from them relies on (``knowledge.learner.filter``)."""
    values = {}
    for name in (f.name for f in fields(Posterior)):
        if name in _OPTIONAL:
            shape, default = _OPTIONAL[name]
            value = data[name] if name in data else default(data)
            values[name] = torch.tensor(value, dtype=torch.float32).reshape(shape)
        else:
            values[name] = torch.tensor(data[name])
    values["edges"] = values["edges"].long()
    values["learn_wrong"] = torch.minimum(values["learn_wrong"], values["learn_right"])
    values["general"][1] = torch.minimum(values["general"][1], values["general"][0])
    return Posterior(**values)
