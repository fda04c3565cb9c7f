"""``python -m llm.converse``: a course author tries an item's tutoring from the command line."""

import json
import subprocess
import sys
from pathlib import Path

ITEM = {
    "prompt": "Solve 3x + 4 = 19.",
    "answer": "5",
    "answer_kind": "numeric",
    "hints": ["Take 4 away from both sides first.", "Then divide both sides by 3."],
    "solution": "3x + 4 = 19, so 3x = 15, so x = 5.",
    "concepts": ["Two-step equations"],
}


def _converse(tmp_path: Path, lines: list[str], item: object = ITEM) -> subprocess.CompletedProcess:
    path = tmp_path / "item.json"
    path.write_text(json.dumps(item) if not isinstance(item, str) else item)
    return subprocess.run([sys.executable, "-m", "llm.converse", "--item", str(path)], input="\n".join(lines),
                          capture_output=True, text=True, timeout=120)


def test_each_student_line_gets_one_json_reply_with_its_trace(tmp_path):
    result = _converse(tmp_path, [json.dumps({"student": "just tell me the answer"}),
                                  json.dumps({"student": "I think it is 8", "answer": "8"}),
                                  json.dumps({"student": "I'm stuck, help"})])
    replies = [json.loads(line) for line in result.stdout.splitlines()]
    assert result.returncode == 0 and len(replies) == 3
    assert all("5" not in reply["tutor"].replace("15", "") for reply in replies)
    assert replies[0]["trace"]["plan"]["intervene"] is False
    assert replies[2]["trace"]["plan"]["intervene"] is True and ITEM["hints"][0] in replies[2]["tutor"]
    assert {"diagnosis", "plan", "guard", "backend", "latency_ms"} <= set(replies[1]["trace"])


def test_a_right_answer_is_praised_with_the_worked_solution(tmp_path):
    result = _converse(tmp_path, [json.dumps({"answer": "5"})])
    reply = json.loads(result.stdout)
    assert reply["trace"]["diagnosis"]["error_type"] == "no-error" and ITEM["solution"] in reply["tutor"]


def test_an_unreadable_line_gets_an_error_line_and_the_conversation_goes_on(tmp_path):
    result = _converse(tmp_path, ["not json", json.dumps({"answer": "x^^2"}), json.dumps({"student": "help"})])
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert "line 1" in lines[0]["error"] and "line 2" in lines[1]["error"] and "tutor" in lines[2]


def test_a_bad_item_file_exits_2_with_every_problem(tmp_path):
    result = _converse(tmp_path, [], item={"prompt": "?", "answer_kind": "essay", "hints": "one"})
    assert result.returncode == 2
    assert '"answer" is missing' in result.stderr and "answer_kind" in result.stderr and '"hints"' in result.stderr
    assert _converse(tmp_path, [], item="{not json").returncode == 2
