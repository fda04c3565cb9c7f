"""``python -m llm.evaluate.gpu_bench``: the serving benchmark runs tiny on a CPU and refuses a real run there."""

from __future__ import annotations

import json

import pytest
import torch

from llm.evaluate import gpu_bench


@pytest.mark.slow
def test_gpu_bench_runs_tiny_on_cpu_and_writes_results(tmp_path):
    assert gpu_bench.main(["--out", str(tmp_path), "--allow-cpu", "--tiny"]) == 0
    report = json.loads((tmp_path / "results.json").read_text())
    assert report["device"] == "cpu" and report["tiny"] is True
    assert {row["sessions"] for row in report["tutor_turns"]} == set(report["sessions"])
    assert all(row["tokens_per_s"] > 0 for row in report["tutor_turns"])
    assert "| sessions |" in (tmp_path / "results.md").read_text()


@pytest.mark.skipif(torch.cuda.is_available(), reason="checks the refusal on a machine without CUDA")
def test_gpu_bench_refuses_without_cuda(tmp_path, capsys):
    assert gpu_bench.main(["--out", str(tmp_path)]) == 2
    assert "CUDA" in capsys.readouterr().err
    assert not (tmp_path / "results.json").exists()
