"""knowledge.md: the benchmark's results (knowledge.json's document) as Markdown tables, one section each."""

from __future__ import annotations


def markdown_report(document: dict) -> str:
    machine = document["machine"]
    lines = ["# Knowledge benchmarks (PSI-KT learner model)", "",
             f"Machine: {machine['cpu_count']} CPUs, torch {machine['torch_version']} with "
             f"{machine['torch_threads']} intra-op threads by default; load average (1, 5, 15 min) "
             f"{_load(machine['load_average_start'])} at the start, {_load(machine['load_average_end'])} at the end.",
             ""]
    if "online" in document:
        online = document["online"]
        lines += ["## Online: one `filter_step`, one learner", "",
                  f"{online['answers']} successive answers after {online['warmup']} warm-up calls, "
                  f"{online['n_concepts']} concepts; posterior from {online['posterior']}.", "",
                  f"| settings | p50 ms | p90 ms | p99 ms | max ms | p99 <= {online['target_p99_ms']} ms |",
                  "|---|---|---|---|---|---|"]
        for row in online["settings"]:
            lines.append(f"| {row['name']} ({row['torch_threads']} thread(s)) | {row['p50_ms']:.3f} | "
                         f"{row['p90_ms']:.3f} | {row['p99_ms']:.3f} | {row['max_ms']:.3f} | "
                         f"{_yes(row['meets_target'])} |")
        lines.append("")
    if "refit" in document:
        refit = document["refit"]
        lines += ["## Refit: the whole cohort", ""]
        if "skipped" in refit:
            lines += [f"Skipped: {refit['skipped']}.", ""]
        else:
            lines += [f"{refit['data']}, cut or grown by whole learners to each size, {refit['steps']} SVI steps "
                      "each, every size in a process of its own.", "",
                      "| answers | learners | longest chain | chain building | s per step (median; mean, slowest) "
                      f"| fit, {refit['steps']} steps | peak memory |", "|---|---|---|---|---|---|---|"]
            for point in refit["points"]:
                how = " (extrapolated)" if point["extrapolated"] else ""
                lines.append(f"| {point['n_interactions']:,} | {point['n_learners']:,} | {point['longest_chain']} | "
                             f"{point['chains_seconds']:.1f} s | {point['seconds_per_step']:.3f} s "
                             f"({point['seconds_per_step_mean']:.3f} s, {point['slowest_step_seconds']:.3f} s) | "
                             f"{point['fit_seconds']:.0f} s{how} | {point['peak_rss_mib']:.0f} MiB |")
            lines += ["", f"Whole data set fitted in <= {refit['target_seconds']:.0f} s: "
                      f"{_yes(refit['meets_target'])}. Torch threads: {refit['points'][0]['torch_threads']}.", ""]
    if "recovery" in document:
        recovery = document["recovery"]
        lines += ["## Recovery: simulated cohort, true against fitted", "",
                  f"{recovery['simulation']}, fitted for {recovery['fit_steps']} SVI steps "
                  f"({recovery['fit_seconds']:.0f} s).", "",
                  "| quantity | Pearson r | target | met |", "|---|---|---|---|"]
        for name, r in recovery["correlation"].items():
            target = recovery["targets"].get(name)
            met = _yes(recovery["meets_target"][name]) if target is not None else ""
            lines.append(f"| {name} | {_number(r)} | {'' if target is None else f'>= {target}'} | {met} |")
        lines += ["| edges (AUROC) | n/a | | |", "", recovery["edges_note"], "", recovery["alpha_note"], ""]
    if "graph" in document:
        graph = document["graph"]
        lines += ["## Graph recovery: a Junyi subgraph, simulated and fitted", ""]
        if "skipped" in graph:
            lines += [f"Skipped: {graph['skipped']}.", ""]
        else:
            lines += [f"{graph['graph']}: {graph['n_concepts']} concepts, {graph['n_edges']} curated edges (true "
                      f"transfer) and {graph['n_non_edges']} candidate non-edges (none). {graph['simulation']}: "
                      f"{graph['n_answers']} answers; fitted for {graph['fit_steps']} SVI steps "
                      f"({graph['fit_seconds']:.0f} s; simulation {graph['simulate_seconds']:.0f} s).", "",
                      "| quantity | value | target | met |", "|---|---|---|---|"]
            for name, r in [*graph["correlation"].items(), ("edge_auroc", graph["edge_auroc"])]:
                target = graph["targets"].get(name)
                met = _yes(graph["meets_target"][name]) if target is not None else ""
                label = "edges (AUROC)" if name == "edge_auroc" else f"{name} (Pearson r)"
                lines.append(f"| {label} | {_number(r)} | {'' if target is None else f'>= {target}'} | {met} |")
            transfer = graph["transfer"]
            lines += [f"| mean transfer gamma w, curated edges (true {transfer['edges_true']:.3f}) | "
                      f"{transfer['edges_fitted']:.3f} | | |",
                      f"| mean transfer gamma w, non-edges (true {transfer['non_edges_true']:.3f}) | "
                      f"{transfer['non_edges_fitted']:.3f} | | |", ""]
    return "\n".join(lines)


def _load(average: list[float]) -> str:
    return ", ".join(f"{value:.2f}" for value in average)


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


def _number(value: float | None) -> str:
    return "undefined" if value is None else f"{value:.3f}"
