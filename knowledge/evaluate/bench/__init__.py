r"""``python -m knowledge.evaluate.bench``: how fast and how faithful the PSI-KT learner model is, written to a folder.

    python -m knowledge.evaluate.bench --out DIR [--only online,refit,recovery,graph] [--refit-steps N] \
        [--refit-answers 100000,1000000,all]

Writes ``DIR/knowledge.json`` and ``DIR/knowledge.md``. Four measurements:

- ``online``: latency of one ``filter_step`` for a single learner (what the web app runs after every answer).
  The posterior comes from a short fit (``ONLINE_FIT_STEPS`` SVI steps) of a small simulated cohort with
  100 concepts (``ONLINE_COHORT``): its values barely matter to the cost, its shapes do. One learner then
  answers ``--online-answers`` random items in succession, time gaps log-uniform from minutes to weeks (as in
  ``cohort_simulate``), right as often as in the simulated cohort. Each call is timed with
  ``time.perf_counter`` after ``ONLINE_WARMUP`` untimed calls on a throwaway state; inputs are built before the
  clock starts. Reported per torch setting (see ``ONLINE_SETTINGS``): p50, p90, p99, max in milliseconds.
- ``refit``: ``cohort_fit`` of the ``assist2017_akt`` cohort at each size of ``--refit-answers`` (default
  ``REFIT_SCALES``: 10^5 and 10^6 answers and the whole data set), cut by whole learners drawn in a seeded random
  order or, past the whole cohort, grown by its learners again as new learners (``cohort_scaled``), converted as
  the evaluation harness's ``PsiKT.fit`` does (without candidate edges). Each size runs in a process of its own
  and reports load seconds, chain-building seconds, seconds per SVI step, total fit seconds for
  ``--refit-steps`` and the process's peak resident memory (``ru_maxrss``). A fit projected (after at least
  ``REFIT_EXTRAPOLATE_AFTER_STEPS`` steps) to run past ``REFIT_RUN_LIMIT_SECONDS`` is stopped and its total
  extrapolated from the steps it ran (``extrapolated: true``). Skipped, with the reason in ``skipped``, when the
  data folder is absent.
- ``recovery``: a cohort simulated from the generative model is fitted; Pearson correlations between true and
  fitted learner traits (log_alpha, mu, log_sigma) and item difficulties. The learners follow a course
  (``RECOVERY_COHORT``) in the design ``COURSE_LEARNERS``: spaced sessions, and gains that partly fade, so that
  forgetting shows in the answers (see ``ALPHA_NOTE``).
- ``graph``: graph recovery on the Junyi prerequisite graph (``junyi15_prereq_graph`` in the data folder,
  ``$CAIRN_DATA_DIR`` or ``../shared/data``), read by ``knowledge.evaluate.junyi.junyi_graph``: its 2 self-loops
  are cut and its 3-cycle broken by dropping ``radical_multiplication_and_division -> simplifying_radicals``
  (simplifying radicals is the skill the other two build on); the arithmetic topic ``GRAPH_TOPIC`` (its largest
  connected part) is the course, concepts in a topological order. Every curated edge gets a true weight
  ~ U(``GRAPH_WEIGHT``), and as many candidate non-edges j -> k (j earlier in the course, so learners practise
  j before k) get weight 0. Learners follow the course in the same design as in ``recovery``
  (``COURSE_LEARNERS``, ``GRAPH_ITEMS_PER_CONCEPT``); the fit sees curated edges and candidates alike, under
  the same prior. Reported: Pearson r of log_alpha, mu, log_sigma
  and the log stationary variance of d; edge AUROC (true edges against the non-edges, scored by the fitted
  weight w, sklearn's roc_auc_score); the mean transfer gamma w_{jk} on the curated edges and on the non-edges,
  true and fitted (gamma and the weights trade scale, so only their product is compared).

knowledge.json keys: ``machine`` (cpu_count, torch_threads, torch_version, python, load_average_start,
load_average_end), ``online`` (posterior, n_concepts, answers, warmup, target_p99_ms, settings: a list of {name,
torch_threads, inference_mode, p50_ms, p90_ms, p99_ms, max_ms, meets_target}), ``refit`` (data, steps, points: a
list of {scale, n_learners, n_interactions, longest_chain, load_seconds, chains_seconds, torch_threads,
seconds_per_step, seconds_per_step_mean, slowest_step_seconds, fit_seconds, extrapolated, steps_run, peak_rss_mib},
target_seconds, meets_target (the whole data set's fit within the target); or only data and skipped), ``recovery``
(simulation, fit_steps, fit_seconds, correlation: {log_alpha, mu, log_sigma, item_difficulty}, targets,
meets_target, edges, edges_note, alpha_note) and ``graph`` (graph, n_concepts, n_edges, n_non_edges, simulation,
n_answers, fit_steps, simulate_seconds, fit_seconds, correlation: {log_alpha, mu, log_sigma,
log_stationary_variance}, edge_auroc, transfer: {edges_true, edges_fitted, non_edges_true, non_edges_fitted},
targets, meets_target; or only graph and skipped).
A section that was not asked for is absent.

Modules: ``__main__`` the command (its options, the run, the two files); ``speed`` the online and refit
measurements (``ONLINE_*``, ``REFIT_*``); ``recovery`` the recovery and graph measurements (``COURSE_LEARNERS``,
``RECOVERY_*``, ``GRAPH_*``, ``ALPHA_NOTE``); ``report`` knowledge.md. Here: ``simulation_call``, how a simulated
cohort is named in the results.
"""


def simulation_call(arguments: dict) -> str:
    """How a simulated cohort is named in the results: ``cohort_simulate(key=value, ...)``, in their order."""
    return f"cohort_simulate({', '.join(f'{key}={value}' for key, value in arguments.items())})"
