r"""The generative model in pyro, with the knowledge paths filtered out (``knowledge.learner.likelihood``), and the
cohort fit: SVI over a cohort's answers, returning posterior medians (``Posterior``).

Shapes: L learners, I items, K concepts, E edges (parent, child).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import pyro
import pyro.distributions as dist
import torch
import torch.nn.functional as F
from pyro.infer import SVI, Trace_ELBO
from pyro.infer.autoguide import AutoNormal
from pyro.optim import ClippedAdam
from tqdm.auto import tqdm

from knowledge.learner.data import Answers, Chains, chains_build
from knowledge.learner.likelihood import chain_log_likelihood
from knowledge.learner.posterior import TRAIT_PRIOR_LOC, Posterior

# SVI's step size shrinks by this factor at every step, tenfold over 1000 steps: with a constant step the one-sample
# ELBO gradients keep the posterior wandering around the optimum (the valid loss zigzags from check to check).
STEP_SIZE_DECAY = 0.1 ** (1 / 1000)


@dataclass(frozen=True)
class Cohort:
    """What the cohort fit sees: answers plus each item's concept and the id-space sizes."""

    answers: Answers
    item_concept: torch.Tensor  # (I,) long: the concept an item's difficulty is centred on
    n_learners: int
    n_items: int
    n_concepts: int
    edges: torch.Tensor | None = None  # (E, 2) long (parent, child): curated edges, then any candidates
    edge_prior: torch.Tensor | None = None  # (E,) prior scale w0 of each edge's weight (default 1)


def model(cohort: Cohort, chains: Chains) -> None:
    r"""PSI-KT generative model with the knowledge paths filtered out (the model: ``knowledge.learner``'s docstring).

        population  trait_loc ~ N(TRAIT_PRIOR_LOC, 1),  trait_scale ~ HalfNormal(1)
        course      beta^+ ~ N(0.2, 0.5^2),  u ~ N(-2, 1),  g^+ ~ N(0, 0.3^2),  v ~ N(-2, 1),
                    delta^{+-} ~ N(0, 0.5^2),  eta^{+-} ~ N(0, 0.3^2),  item_spread ~ HalfNormal(1),
                    logit f ~ N(-2, 1)
        concepts    b_k ~ N(0, 1.5^2),  beta_k^+ ~ N(beta^+, 0.2^2),  u_k ~ N(u, 0.5^2),
                    delta_k^{+-} ~ N(delta^{+-}, 0.2^2),  log kappa_k ~ N(0, 0.3^2)
        gains       beta_k^- = beta_k^+ - softplus(u_k),  g^- = g^+ - softplus(v)
                    (a wrong answer's lasting gain never exceeds a right one's)
        items       b_i ~ N(b_{k(i)}, item_spread^2)
        learners    s_l ~ N(trait_loc, diag trait_scale^2)
        edges       gamma ~ HalfNormal(1),  w_{jk} ~ HalfNormal(w0_{jk})   (only with ``cohort.edges``)
        answers     log p(y | ...) ~= sum_n log p(y_n | y_{<n})             (``chain_log_likelihood``, a factor)

    A retry (``Answers.retries``) is right without the knowledge with chance f: its right answer is weaker
    evidence (``knowledge.learner.gaussian.probit_absorb``).
    """
    trait_loc = pyro.sample("trait_loc", dist.Normal(TRAIT_PRIOR_LOC, 1.0).to_event(1))  # (3,)
    trait_scale = pyro.sample("trait_scale", dist.HalfNormal(torch.ones(3)).to_event(1))  # (3,)
    learn_loc = pyro.sample("learn_loc", dist.Normal(0.2, 0.5))
    learn_gap_loc = pyro.sample("learn_gap_loc", dist.Normal(-2.0, 1.0))
    general_right = pyro.sample("general_right", dist.Normal(0.0, 0.3))
    general_gap = pyro.sample("general_gap", dist.Normal(-2.0, 1.0))
    general = torch.stack([general_right, general_right - F.softplus(general_gap)])  # (2,) right, wrong
    retry_guess = torch.sigmoid(pyro.sample("retry_logit", dist.Normal(-2.0, 1.0)))
    fading_loc = pyro.sample("fading_loc", dist.Normal(torch.zeros(2), 0.5).to_event(1))  # (2,) right, wrong
    recency = pyro.sample("recency", dist.Normal(torch.zeros(2), 0.3).to_event(1))  # (2,) eta^+, eta^-
    with pyro.plate("concepts", cohort.n_concepts):
        concept_difficulty = pyro.sample("concept_difficulty", dist.Normal(0.0, 1.5))  # (K,)
        learn_right = pyro.sample("learn_right", dist.Normal(learn_loc, 0.2))  # (K,)
        learn_gap = pyro.sample("learn_gap", dist.Normal(learn_gap_loc, 0.5))  # (K,)
        learn_wrong = learn_right - F.softplus(learn_gap)  # (K,)
        fading_gain = pyro.sample("fading_gain", dist.Normal(fading_loc, 0.2).to_event(1))  # (K, 2) right, wrong
        log_discrimination = pyro.sample("log_discrimination", dist.Normal(0.0, 0.3))  # (K,)
    item_spread = pyro.sample("item_spread", dist.HalfNormal(1.0))
    with pyro.plate("items", cohort.n_items):
        item_difficulty = pyro.sample("item_difficulty",
                                      dist.Normal(concept_difficulty[cohort.item_concept], item_spread))  # (I,)
    with pyro.plate("learners", cohort.n_learners):
        traits = pyro.sample("traits", dist.Normal(trait_loc, trait_scale).to_event(1))  # (L, 3)
    edge_weight = gamma = None
    if cohort.edges is not None and len(cohort.edges):
        prior = torch.ones(len(cohort.edges)) if cohort.edge_prior is None else cohort.edge_prior
        gamma = pyro.sample("gamma", dist.HalfNormal(1.0))
        with pyro.plate("edges", len(cohort.edges)):
            edge_weight = pyro.sample("edge_weight", dist.HalfNormal(prior))  # (E,)
    answers = cohort.answers
    pyro.factor("answers", chain_log_likelihood(answers, chains, traits=traits,
                                                difficulty=item_difficulty.index_select(0, answers.item),
                                                learn_right=learn_right, learn_wrong=learn_wrong, general=general,
                                                discrimination=torch.exp(log_discrimination), fading_gain=fading_gain,
                                                edge_weight=edge_weight, gamma=gamma, recency=recency,
                                                retry_guess=retry_guess))


def cohort_fit(cohort: Cohort, *, steps: int = 300, learning_rate: float = 0.03, seed: int = 0,
               progress: bool = True, on_step: Callable[[int, int], None] | None = None,
               validate: Callable[[Posterior, int], float] | None = None, validate_every: int = 50,
               validate_from: int = 0, patience: int = 2) -> Posterior:
    """SVI over the cohort; returns posterior medians. ``on_step(done, steps)`` is told of progress. The step size
    starts at ``learning_rate`` and shrinks by ``STEP_SIZE_DECAY`` per step.

    With ``validate(posterior, done)`` (a loss of the posterior after ``done`` steps on answers the fit does not
    see; lower is better), the posterior is checked every ``validate_every`` steps and the best one checked is
    returned; the fit stops once ``patience`` checks in a row have not improved on it (early stopping, so
    ``steps`` is then a ceiling). Checks start at step ``validate_from`` (the last step is always checked): before
    it the fit is still leaving its starting point, where a passing rise of the loss is not overfitting.
    """
    pyro.set_rng_seed(seed)
    pyro.clear_param_store()
    chains = chains_build(cohort.answers, edges=cohort.edges)
    guide = AutoNormal(model, init_scale=0.05)
    svi = SVI(model, guide, ClippedAdam({"lr": learning_rate, "clip_norm": 10.0, "lrd": STEP_SIZE_DECAY}), Trace_ELBO())
    bar = tqdm(range(steps), desc="PSI-KT cohort fit", disable=not progress)
    best, best_loss, checks_since_best = None, math.inf, 0
    for step in bar:
        loss = svi.step(cohort, chains)
        bar.set_postfix(elbo=f"{-loss / max(len(cohort.answers.correct), 1):.4f}")
        if on_step is not None:
            on_step(step + 1, steps)
        if validate is not None and (step + 1 == steps
                                     or step + 1 >= validate_from and (step + 1) % validate_every == 0):
            posterior = _posterior_median(guide, cohort, chains)
            validation_loss = validate(posterior, step + 1)
            bar.set_postfix(validation=f"{validation_loss:.4f}")
            if validation_loss < best_loss:
                best, best_loss, checks_since_best = posterior, validation_loss, 0
            else:
                checks_since_best += 1
                if checks_since_best >= patience:
                    break
    return best if best is not None else _posterior_median(guide, cohort, chains)


def _posterior_median(guide: AutoNormal, cohort: Cohort, chains: Chains) -> Posterior:
    with torch.no_grad():  # copies: the guide's parameters move on in place while the fit goes on
        median = {name: value.detach().clone() for name, value in guide.median(cohort, chains).items()}
        edges = {}
        if "edge_weight" in median:
            low, high = guide.quantiles([0.05, 0.95], cohort, chains)["edge_weight"]
            edges = {"edges": cohort.edges.clone(), "edge_weight": median["edge_weight"],
                     "edge_interval": torch.stack([low, high], dim=-1), "gamma": median["gamma"]}
    seen = torch.zeros(cohort.n_items, dtype=torch.bool)
    seen[cohort.answers.item] = True
    return Posterior(
        trait_loc=median["trait_loc"], trait_scale=median["trait_scale"], traits=median["traits"],
        item_difficulty=median["item_difficulty"], concept_difficulty=median["concept_difficulty"],
        learn_right=median["learn_right"], learn_wrong=median["learn_right"] - F.softplus(median["learn_gap"]),
        fading_gain=median["fading_gain"], discrimination=torch.exp(median["log_discrimination"]),
        general=torch.stack([median["general_right"], median["general_right"] - F.softplus(median["general_gap"])]),
        recency=median["recency"], retry_guess=torch.sigmoid(median["retry_logit"]), item_seen=seen, **edges,
    )
