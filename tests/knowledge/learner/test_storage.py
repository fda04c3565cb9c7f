"""Stored posteriors: round trips, and snapshots from before a term was added."""

import pytest
import torch

from knowledge.learner.storage import posterior_from_dict, posterior_to_dict
from tests.knowledge.learner.conftest import child_success_after_parent_practice, two_concept_posterior


def test_old_snapshot_without_edges_loads_with_transfer_off():
    stored = posterior_to_dict(two_concept_posterior(weight=1.0, gamma=1.0))
    for key in ("edges", "edge_weight", "edge_interval", "gamma", "fading_gain", "discrimination", "recency"):
        del stored[key]
    old = posterior_from_dict({**stored, "edge_suggestions": []})
    assert old.edges.shape == (0, 2) and old.edge_weight.shape == (0,) and float(old.gamma) == 0.0
    assert torch.equal(old.fading_gain, torch.zeros(2, 2)) and torch.equal(old.discrimination, torch.ones(2))
    assert torch.equal(old.recency, torch.zeros(2))
    assert child_success_after_parent_practice(old, 8) == pytest.approx(child_success_after_parent_practice(old, 0))


def test_stored_posterior_round_trips_its_edges():
    posterior = two_concept_posterior(weight=0.6, gamma=0.9, edges=((0, 1), (1, 0)))
    again = posterior_from_dict(posterior_to_dict(posterior))
    assert torch.equal(again.edges, posterior.edges) and torch.allclose(again.edge_weight, posterior.edge_weight)
    assert float(again.gamma) == pytest.approx(0.9)
