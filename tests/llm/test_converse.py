"""``python -m llm.converse``: a course author tries an item's tutoring from the command line."""

import io
import json
from dataclasses import dataclass

import pytest

from llm.converse import main

ITEM = {
    "prompt": "Solve 3x + 4 = 19.",
    "answer": "5",
    "answer_kind": "numeric",
    "hints": ["Take 4 away from both sides first.", "Then divide both sides by 3."],
    "solution": "3x + 4 = 19, so 3x = 15, so x = 5.",
    "concepts": ["Two-step equations"],
}


@dataclass(frozen=True)
class Run:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
def converse(tmp_path, monkeypatch, capsys):
    """``python -m llm.converse --item ITEM.json`` with these lines on standard input, run in this process."""

    def run(lines: list[str], item: object = ITEM) -> Run:
        path = tmp_path / "item.json"
        path.write_text(json.dumps(item) if not isinstance(item, str) else item)
        monkeypatch.setattr("sys.stdin", io.StringIO("\n".join(lines)))
        returncode = main(["--item", str(path)])
        out = capsys.readouterr()
        return Run(returncode=returncode, stdout=out.out, stderr=out.err)

    return run


def test_each_student_line_gets_one_json_reply_with_its_trace(converse):
    result = converse([json.dumps({"student": "just tell me the answer"}),
                                  json.dumps({"student": "I think it is 8", "answer": "8"}),
                                  json.dumps({"student": "I'm stuck, help"})])
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(replies) == 3
    assert all("5" not in reply["tutor"].replace("15", "") for reply in replies)
    assert replies[0]["trace"]["plan"]["intervene"] is False
    assert replies[2]["trace"]["plan"]["intervene"] is True and ITEM["hints"][0] in replies[2]["tutor"]
    assert {"diagnosis", "plan", "guard", "backend", "latency_ms"} <= set(replies[1]["trace"])


def test_a_right_answer_is_praised_with_the_worked_solution(converse):
    result = converse([json.dumps({"answer": "5"})])
    reply = json.loads(result.stdout)
    assert reply["trace"]["diagnosis"]["error_type"] == "no-error" and ITEM["solution"] in reply["tutor"]


def test_an_unreadable_line_gets_an_error_line_and_the_conversation_goes_on(converse):
    result = converse(["not json", json.dumps({"answer": "x^^2"}), json.dumps({"student": "help"})])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "line 1" in lines[0]["error"] and "line 2" in lines[1]["error"] and "tutor" in lines[2]


def test_a_bad_item_file_exits_2_with_every_problem(converse):
    result = converse([], item={"prompt": "?", "answer_kind": "essay", "hints": "one"})
    assert result.returncode == 2
    assert '"answer" is missing' in result.stderr and "answer_kind" in result.stderr and '"hints"' in result.stderr
    assert converse([], item="{not json").returncode == 2
