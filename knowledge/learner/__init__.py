r"""The learner model: PSI-KT style continuous-time knowledge tracing, written from the model's equations, in pyro.
Plain Python over plain data (tensors), no Django: ``knowledge.beliefs``, the learner model's one door for the
rest of Cairn, connects it to the stored beliefs. Fitted to a cohort with pyro and updated online after every
answer, with transfer along the course's prerequisite edges (whose weights it fits, and which it suggests beyond
the curated graph).

Generative model (learner l, concept k, item i, answers n in time order):

    traits     s_l = (log alpha_l, mu_l, log sigma_l) ~ N(trait_loc, diag trait_scale^2)
    knowledge  z_{l,k}(t) = mu~_{l,k}(t) + h_l(t) + d_{l,k}(t),   mu~_{l,k} = mu_l + a_{l,k}(t) + c_{l,k}(t)
    practice   a_{l,k} = beta_k^+ log(1 + right on k so far) + beta_k^- log(1 + wrong on k so far)
                         + g^+ log(1 + right on anything so far) + g^- log(1 + wrong on anything so far):
               what practice has built, on k and in general, with diminishing returns (the power law of
               practice); beta_k^+ ~ N(beta^+, 0.2^2) share a course-wide mean, and beta_k^- = beta_k^+ -
               softplus(u_k), g^- = g^+ - softplus(v): a wrong answer's lasting gain never exceeds a right one's
    transfer   c_{l,k} = gamma sum_{j in pa(k)} w_{jk} (beta_j^+ log(1 + right on j so far)
                                                         + beta_j^- log(1 + wrong on j so far)):
               what practice has built on the prerequisites j -> k of the course graph carries over to k;
               w_{jk} ~ HalfNormal(w0_{jk}) with w0 the curator's weight of the edge (a smaller scale for
               candidate edges outside the graph), so edges the answers do not support shrink towards 0;
               gamma ~ HalfNormal(1) is the course-wide transfer rate
    recency    h_l = eta^+ sum_{m<n} rho^(n-1-m) [y_m right] + eta^- sum_{m<n} rho^(n-1-m) [y_m wrong] over the
               learner's earlier answers m on any concept, rho = ``RECENCY_DECAY`` per answer: how the learner is
               doing just now (a problem going well or badly), which the next few answers replace;
               eta^{+-} ~ N(0, 0.3^2). It fades by answers, not by time, so it needs no timestamps
    forgetting d_{l,k} is an Ornstein-Uhlenbeck process in real elapsed time towards 0: with r = exp(-alpha_l dt)
               d(t + dt) | d(t) ~ N(r d(t), s_l^2 (1 - r^2)),   s_l^2 = sigma_l^2 / (2 alpha_l)  (stationary variance)
               and d_{l,k} starts from its stationary law N(0, s_l^2) at the learner's first answer on k
    fading     each answer on k adds delta_k^+ (right) or delta_k^- (wrong) to d_{l,k} just after it: the part
    gain       of practice's gain that forgetting takes back, at the learner's own rate alpha_l, while a keeps the
               lasting part; delta_k^{+-} ~ N(delta^{+-}, 0.2^2) share a course-wide mean, delta^{+-} ~ N(0, 0.5^2),
               so the answers decide the split
    answers    y_n ~ Bernoulli(sigmoid(kappa_{k_n} (z_{l_n,k_n}(t_n) - b_{i_n}))),   b_i ~ N(b_{k(i)}, item_spread^2)
               with log kappa_k ~ N(0, 0.3^2) the discrimination of concept k's items (as in 2PL item response
               theory): how sharply they separate learners who know k from learners who do not
    retries    an answer on an item the learner answered before may be right without the knowledge (from the
               feedback, by elimination): P(right) = f + (1 - f) sigmoid(...), f ~ sigmoid(N(-2, 1)) fitted, so a
               right retry is weaker evidence than a right first try (``probit_absorb``)
    several    an item i with concepts S_i (main concept k_i, the one its answers are chiefly evidence about,
               whose discrimination they have)
    concepts   combines them: in z the anchors a + c are averaged over S_i,
                   z_{l,i}(t) = mu_l + (1/|S_i|) sum_{k in S_i} (a_{l,k} + c_{l,k})(t) + h_l(t) + d_{l,k_i}(t),
               (the general term of a is the same for every k), and an answer counts as practice on every k in
               S_i; d stays the main concept's (one Gaussian per chain, so the filter below is unchanged; see
               ``Answers.concepts``)

So the long-term mean of concept k is mu~_{l,k}: the learner's level plus what practice has built on k and
on its prerequisites (PSI-KT's mu + gamma (mean of prerequisite knowledge), with the prerequisites' knowledge
read through their practice anchors, which are known given the counts: the filter stays one Gaussian per
chain, and a cycle among candidate edges is harmless). What answers show beyond that (a good or a bad day,
a burst of insight, a lapse) and the fresh gain of the latest practice live in d, which the rate alpha_l pulls
back over time (forgetting) and sigma_l lets wander.

Mastery, what a learner and their teacher read, is what the evidence says the learner knows: the belief about z
without the practice exposure, that is without the lasting gain every answer brings whether right or wrong
(``filter.exposure_gain``), the fading gains and h_l, which all move the next answer's prediction instead. It is
the median of that belief with a 90 % interval, so an answer moves it only its own way: never up after a wrong
answer, never down after a right one, on the concept answered and on every other (``filter_mastery``).

Inference. The knowledge paths are integrated out by a Gaussian filter (assumed-density filtering):
between answers the OU transition is exact; an answer is absorbed by moment matching, with the logistic
curve matched by a probit (see ``answer_update``). The
filter's one-step-ahead predictive probabilities give an approximate marginal likelihood

    log p(y | s, b, beta) ~= sum_n log p(y_n | y_{<n}),

which pyro's SVI maximises (ELBO with a mean-field Gaussian guide over traits, item and concept
parameters and the population prior). For a learner the cohort fit has not seen, mu_l is part of the
filter's state instead (started at the population prior and updated with every answer), and alpha, sigma
take the population means: the same filter then runs online, one answer at a time. Its belief is joint: an
answer on k is evidence about mu_l + d_{l,k}, so it leaves mu_l and d_{l,k} correlated, and the filter keeps each
d_{l,k} as a Gaussian given mu_l (``FilterState``) so that many answers on one concept do not count as
independent evidence about the level. A learner the fit has seen
can run with its fitted traits instead (``traits``): mu_l is then fixed and the filter's likelihood is the fit's.

Transfer is course-wide (gamma), not a fourth learner trait: a learner's transfer shows only on answers to a
concept after practice on its prerequisites, and gamma_l w_{jk} is a product whose per-learner factor the
cohort's answers (a few hundred per learner) cannot tell from mu_l and the general practice term g.

Edge suggestions. The cohort fit weighs candidate edges outside the graph beside the curated ones, each under
the same sparse prior family (``edge_candidates`` proposes the pairs many learners practised in that order);
``edge_suggestions`` ranks candidates by their fitted transfer gamma w_{jk}, with the weight's credible
interval and the raw contrast on the child's answers as evidence.

Modules, each importing only those above it:

    gaussian    the filter's algebra: OU transition, probit-matched absorption of one answer (``answer_update``)
    data        ``Answers`` and their indexing: time order, practice counts, recency sums, chains
    recursion   the filter's recursion along every chain, compiled, with its gradient (``ChainRecursion``)
    likelihood  practice anchors and ``chain_log_likelihood``: the terms for all answers at once, then the recursion
    posterior   ``Posterior``, what a fit leaves behind (``TRAIT_NAMES``, ``TRAIT_PRIOR_LOC``)
    model       the pyro ``model``, ``Cohort`` and ``cohort_fit`` (SVI)
    filter      the online filter: ``filter_start``, ``filter_step``, ``filter_success`` (the prediction),
                ``filter_mastery`` (the evidence), ``filter_run``
    storage     ``posterior_to_dict`` / ``posterior_from_dict``
    edges       ``edge_candidates``, ``edge_suggestions``
    simulate    ``cohort_simulate``: cohorts drawn from the generative model
    reference   the likelihood and the filter step written answer by answer in plain Python, against which the
                tests check the vectorised code: read it first

How this model differs from PSI-KT as its paper describes it (Zhou, Bamler, Wu, Tejero-Cantero, "Predictive,
scalable and interpretable knowledge tracing on structured domains", ICLR 2024); "+" marks what is added here:

    ==============  =====================  ==================================================================
    part            PSI-KT                 here
    ==============  =====================  ==================================================================
    traits          alpha, mu, sigma and   alpha, mu, sigma; transfer gamma is course-wide, times a learned
                    transfer gamma, per    weight w_{jk} ~ HalfNormal(w0_{jk}) per edge, w0 the curator's
                    learner                weight (``CANDIDATE_EDGE_PRIOR`` for a candidate edge)
    graph           inferred               the curator's edges plus candidates from answer order, all
                                           weighed by the fit; candidates ranked as suggestions
    transfer        prerequisites'         prerequisites' practice anchors (known given the counts, so each
                    knowledge              chain keeps one Gaussian)
    practice        +                      lasting gains with diminishing returns, beta_k^{+-} log(1 + count)
                                           per concept and g^{+-} over all concepts, a wrong answer's never
                                           above a right one's; mastery reads only their evidence part
    retries         +                      a guess floor f on an item answered before
    fading gain     +                      delta_k^{+-} added to d after each answer, forgotten at alpha_l
    recency         +                      h_l: the last answers on any concept, fading by ``RECENCY_DECAY``
    answer curve    +                      item difficulty b_i and concept discrimination kappa_k (2PL):
                                           P(right) = sigmoid(kappa_k (z - b_i))
    items           +                      several concepts per item: anchors averaged, practice on each, d
                                           of the main concept
    inference       variational            knowledge paths integrated out by an assumed-density Gaussian
                                           filter (exact OU step, probit-matched answers); its predictive
                                           log-likelihood is a pyro factor, and SVI fits a mean-field
                                           Gaussian guide (AutoNormal) over the rest; the posterior medians
                                           drive the same filter online, mu_l in its state for new learners
    ==============  =====================  ==================================================================
"""
