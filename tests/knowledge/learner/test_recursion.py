"""The compiled recursion along the chains: its gradient is the derivative of its value (finite differences), in
every input, in the tails of the answer curve too. Its values are held to the answer-by-answer reference in
test_reference."""

import pytest
import torch

from knowledge.learner.recursion import ChainRecursion


def _chains(n: int, *, level_scale: float, seed: int) -> tuple[torch.Tensor, ...]:
    """Random rows in float64: about one chain start in four, a guess on every row (a retry: the guess is a
    parameter there, while a first try's guess is the constant 0)."""
    generator = torch.Generator().manual_seed(seed)

    def uniform(low: float, high: float) -> torch.Tensor:
        return low + (high - low) * torch.rand(n, generator=generator, dtype=torch.float64)

    first = torch.rand(n, generator=generator) < 0.25
    first[0] = True
    level = level_scale * torch.randn(n, generator=generator, dtype=torch.float64)
    sign = torch.where(torch.rand(n, generator=generator) < 0.6, 1.0, -1.0).double()
    decay = torch.where(first, 0.0, uniform(0.2, 1.0))
    return level, sign, uniform(0.3, 1.3), 0.3 * torch.randn(n, generator=generator, dtype=torch.float64), \
        uniform(0.05, 0.55), decay, uniform(0.2, 1.2)


@pytest.mark.parametrize("level_scale", [1.0, 12.0], ids=["typical", "tails"])
def test_gradient_matches_finite_differences(level_scale):
    level, sign, slope, gain, guess, decay, renew = _chains(30, level_scale=level_scale, seed=1)
    inputs = tuple(t.requires_grad_() for t in (level, slope, gain, guess, decay, renew))

    assert torch.autograd.gradcheck(lambda lv, q, g, f, r, w: ChainRecursion.apply(lv, sign, q, g, f, r, w), inputs,
                                    eps=1e-6, atol=1e-5)


def test_a_chains_rows_do_not_reach_another_chain():
    level, sign, slope, gain, guess, decay, renew = _chains(12, level_scale=1.0, seed=2)
    decay[6] = 0.0  # rows 6.. start a new chain
    level.requires_grad_()
    scores = ChainRecursion.apply(level, sign, slope, gain, guess, decay, renew)
    scores[6:].sum().backward()

    assert torch.all(level.grad[:6] == 0)
    alone = ChainRecursion.apply(level[6:].detach(), *(t[6:] for t in (sign, slope, gain, guess, decay, renew)))
    torch.testing.assert_close(scores[6:].detach(), alone)
