"""Does a tutor reply give the answer away? Checked on the server before anything reaches the student.

How the guard reads a reply (``answer_guard_check``):

1. The key is read (``keys``): a value (3/4, 0.75, pi, sqrt(2)), an expression over variables (2*x + 6),
   or, when neither reads, its bare text (a choice such as "parallelogram").
2. The reply is read the way a student reads it. ``numbers`` finds every number with its span (digits,
   fractions, decimals, percents, mixed numbers, LaTeX ``\\frac``, vulgar fractions, spelled-out words);
   ``expressions`` finds every stretch of math over the key's variables, parsed by ``llm.mathtext``, the
   one reader of untrusted math text that the answer checker uses too (so they agree on what is the same
   value), with its limits on length, digits and powers. Nothing in a reply reaches ``eval``.
3. ``assertions`` says where a number sits: stated as the answer ("the answer is 2", "x = 2", "pick 3/4"),
   or naming a place ("hint 2", "step 1"). A number the student already sees (``shown``) reveals only
   when asserted.
4. The detectors compare what was read with the key: ``reveals`` (the value in any form, an irrational
   key's root or constant, an equivalent expression or the key's written form, the worked solution's
   final intermediate results), ``splits`` (numerator and denominator apart, digits by position, also
   across ``earlier_replies``), ``choices`` (an option's letter, position or text).
5. The findings make one ``GuardVerdict`` (``verdict``): a reason and the spans that ``reply_redact``
   replaces by "…". A reply with more math than ``expressions.MAX_PARSES`` candidates is held back unread
   rather than let through.

Caught (tests/llm/test_guard.py has a case for each):

* the key in any exact form: 3/4, 6/8, 0.75, .75, 75%, "75 percent", 1 1/2, 1½, 1,000, \\frac{3}{4};
  a decimal that rounds or truncates to a key it cannot state exactly (0.33 or 33% for 1/3, 1.41 for
  sqrt(2), 3.14 for pi); an irrational key written with its root or constant ("sqrt(2)", "2π"; a bare
  "π" only when asserted);
* spelled-out numbers: "seven", "twenty-one", "one hundred and five", "three fourths", "a third",
  "two and a half", "minus two" (not "ten minus two"), "negative two", "zero point seven five",
  "three over four", "3 out of 4", "seventy-five percent";
* a number the student already sees (``shown``) only when asserted as the answer and not itself copied
  from ``shown``: "x = 2", "2 = x", "x is two", "the answer is 2", "it's 2.", "you get 2." reveal;
  "divide both sides by 2" or the prompt's own "2x = 4" do not;
* expression keys: any stretch SymPy-equivalent to the key (2(x+3), 6 + 2x, 2 × (x + 3) for 2*x + 6;
  x² - 9 for (x-3)(x+3)). When ``shown`` itself holds an equivalent expression (expand, factor, simplify
  items) equivalence would block restating the question, so the key's written *form* is matched instead
  (terms and factors in any order, numeric factors folded): "6 + 2x" reveals "Expand 2(x + 3)";
* choice keys: the option's text or value, its letter ("it's B", "(b) is right", "pick option B") or its
  position ("the second option"), each when asserted, since every option is on screen; another form of
  the option's value (40% for the option 2/5) like any number. Letters and positions are resolved against
  lettered options in ``shown`` ("A) 1/2 B) 3/4"); without such a list any asserted letter or position is
  blocked, since the guard cannot tell which is right;
* the worked solution's final intermediate results: numbers some step computes (after =, is, gives,
  makes ...) in its last two computing steps, other than the answer and those in ``shown``
  (the 12 of "3 × 4 = 12. Half of that is 12 ÷ 2 = 6", the 10 of "2x = 10" before "x = 5"); for expression
  keys matched by form, the other forms on the solution's last lines ("x^2 + 3x + 2x + 6");
* splits, within ``reply`` or across ``earlier_replies``: a numerator and a denominator stated apart
  ("the numerator is 3" ... "the denominator is 4", "put 6 on top" ... "the bottom number is 8"), or a
  numerator whose denominator ``shown`` already holds ("the numerator is 5" for 3/8 + 2/8); and every
  digit of a whole-number key given by position ("it starts with 2" ... "it ends in 1", "the tens digit
  is 2", "1 in the ones place").

Not caught, knowingly: an unevaluated sum or product equal to the key ("(3+2)/8", "7 times 3", "60 and
8"), since restating the question's own sum would be blocked too; splits other than the two above (sign
and size apart, some digits only, an operation and its operands over two turns); fraction and digit
splits on choice items; expressions in words ("two x plus six") or LaTeX beyond ``\\frac`` with digits;
non-math answers of numeric items (units, names); the bare words "one" and "half" unless asserted and
clause-final ("that's one."), because "one step at a time" is not an answer.

Blocked although harmless, knowingly: any other mention of the key's value not in ``shown`` ("you have 3
tries left" when the answer is 3), since a count and an answer read alike; the cost is a fallback reply.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from fractions import Fraction

from llm.guard.assertions import assertion
from llm.guard.choices import choice_findings
from llm.guard.keys import key_read
from llm.guard.numbers import numbers_in
from llm.guard.reveals import constant_findings, expression_findings, intermediate_targets, numeric_findings
from llm.guard.splits import digit_split_findings, fraction_split_findings
from llm.guard.text import normal, squash
from llm.guard.verdict import REDACTED, Finding, GuardVerdict, reply_redact, spans_merge

__all__ = ["REDACTED", "GuardVerdict", "answer_guard_check", "reply_redact"]


def answer_guard_check(reply: str, *, answer_key: str, answer_kind: str, shown: str = "", solution: str = "",
                       earlier_replies: Sequence[str] = ()) -> GuardVerdict:
    """Whether ``reply`` gives away the answer (or the solution's last step) that the student may not see yet.

    ``shown`` is what the student already reads (prompt, vetted hints): its numbers are no reveal unless
    the reply asserts one as the answer. ``earlier_replies`` are this problem's earlier tutor replies, read
    only to complete a split reveal; the spans point into ``reply`` alone.
    """
    if not answer_key.strip() or not reply.strip():
        return GuardVerdict(False, "", ())
    key = key_read(answer_key)
    # Looser than a reply's numbers on purpose: the 2 of "2x" is on screen too.
    shown_values = {n.value for n in numbers_in(shown) if not n.weak} | {Fraction(d) for d in re.findall(r"\d+", shown)}
    findings: list[Finding] = []
    if answer_kind == "choice":
        if key.value is not None:
            findings += numeric_findings(reply, targets=[(key.value, f"the answer {key.text}")], shown=shown,
                                          shown_values=shown_values, option=key.text)
        elif key.tree is not None:
            findings += [f for f in expression_findings(reply, key=key, shown="", solution="")
                         if assertion(normal(reply), f.spans[0][0], f.spans[0][1], choosing=True)]
        findings += choice_findings(reply, key=key, shown=shown)
    else:
        targets: list[tuple[Fraction | float, str]] = []
        if key.value is not None:
            targets.append((key.value, f"the answer {key.text}"))
            if key.tree is not None:
                findings += constant_findings(reply, key=key, shown=shown)
        elif key.tree is not None:
            findings += expression_findings(reply, key=key, shown=shown, solution=solution)
        elif squash(key.text) in squash(reply):  # a key the grammar cannot read: only its exact text
            start = normal(reply).find(normal(key.text))
            findings.append(Finding(f"states the answer {key.text}", ((start, start + len(key.text)),) if start >= 0
                                     else ((0, len(reply)),)))
        targets += intermediate_targets(solution, answer=key.value, shown_values=shown_values)
        findings += numeric_findings(reply, targets=targets, shown=shown, shown_values=shown_values)
        if isinstance(key.value, Fraction):
            findings += fraction_split_findings(reply, key=key.value, earlier=earlier_replies, shown=shown,
                                                 shown_values=shown_values)
            findings += digit_split_findings(reply, key=key.value, earlier=earlier_replies)
    if not findings:
        return GuardVerdict(False, "", ())
    reasons = list(dict.fromkeys(f.reason for f in findings))
    return GuardVerdict(True, "; ".join(reasons[:3]), spans_merge([s for f in findings for s in f.spans]))

