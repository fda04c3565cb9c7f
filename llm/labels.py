"""The label sets the tutor's decisions speak in, shared by the agents and the decision models that predict them.

Error types, strategies and intentions are Bridge's (Wang et al., NAACL 2024), plus two error types of our
own: "no-error" (the attempt is right) and "off-task" (the message is not about the problem).
"""

BRIDGE_ERROR_TYPES = ("guess", "misinterpret", "careless", "right-idea", "imprecise", "diagnose")
ERROR_TYPES = (*BRIDGE_ERROR_TYPES, "no-error", "off-task")
STRATEGIES = (
    "explain_concept", "ask_question", "provide_hint", "provide_strategy", "provide_example", "provide_correction",
    "provide_similar_problem", "simplify_question", "affirm_correct_answer", "encourage_student",
)
INTENTIONS = (
    "motivate_student", "elaborate_answer", "correct_mistake", "hint_mistake", "clarify_misunderstanding",
    "understand_topic", "diagnose_mistake", "support_thinking", "explain_mistake", "signal_goal",
)
