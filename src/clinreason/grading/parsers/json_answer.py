"""Rule "json": the answer field of a JSON(-like) object, alone, fenced or after reasoning.

`{"answer": "C"}`, `"answer_choice": "B. Labetalol"`, `"final_answer": "(C)"`, `{'answer': 'yes'}`,
`"final_decision": "no"` (PubMedQA style)
(Python-style quotes), `"answer_choice": "C. maybe"` (a yes/no/maybe item shown as options), a
value that is the option's text, and trailing prose after the object. The object need not parse:
models write truncated or commented JSON, so the field is found by its key. A value listing several
answers (`["A", "C"]`, `"A, C"`) or "None of the above" is a CONFLICT. When several answer fields
are present, a `final...` key wins, else the last answer field; a bare `option` / `choice` key counts only
when every such field agrees (per-option reviews label each option that way).
"""

from __future__ import annotations

import re

from ...items import Item
from .answer_phrase import rule_answer_phrase
from .slots import CONFLICT, parse_value, read_slot

_KEY = re.compile(
    r"(?i)(?<![\w\\])(?P<q>[\"'])(?P<key>(?:(?:final|correct|selected|chosen|best)[_ ]?)?"
    r"(?:answer|choice|option|decision|conclusion)(?:[_ ](?:choice|letter|option|label|key|value))?|prediction"
    # keys written in the response's language: {"答案": "A", "理由": "..."}, {"respuesta": "B"}
    r"|(?:最终|最終|正确|正確)?(?:答案|选项|選項)|答え|正解|正答|解答|回答|réponse|respuesta|resposta|risposta|antwort)"
    r"(?P=q)[ \t]*+:[ \t\n]*+"
)
_STRING = {
    '"': re.compile(r'"((?:[^"\\\n]|\\.){0,600})"'),
    "'": re.compile(r"'((?:[^'\\\n]|\\.){0,600})'"),
}
_LIST = re.compile(r"\[([^\[\]\n]{0,300})\]")
_LIST_ITEM = re.compile(r"[\"']([^\"'\n]{0,300})[\"']")
_BARE = re.compile(r"(?i)([a-z])(?![\w\"'])")


def _value(text: str, pos: int, item: Item) -> str | None:
    """The answer in the JSON value at `pos`, CONFLICT, or None."""
    quote = text[pos : pos + 1]
    if quote in _STRING:
        m = _STRING[quote].match(text, pos)
        if not m:
            return None
        value = m.group(1).replace('\\"', '"').replace("\\'", "'").replace("\\n", "\n")
        got = parse_value(value, item)
        got = got if got is not None else read_slot(value, 0, item)
        if got is None:  # {"answer": "The correct answer is C because ..."}
            stated = rule_answer_phrase(value, item)
            got = stated[-1][2] if stated else None
        return got
    if quote == "[":
        m = _LIST.match(text, pos)
        answers = {parse_value(v, item) for v in _LIST_ITEM.findall(m.group(1))} if m else set()
        answers.discard(None)
        return answers.pop() if len(answers) == 1 else (CONFLICT if answers else None)
    m = _BARE.match(text, pos)  # {"answer": C}: the value written without quotes
    return parse_value(m.group(1), item, text_ok=False) if m else None


def _rank(key: str) -> int:
    """2: a final answer; 1: an answer; 0: a bare "option"/"choice" key, which may also label each
    option of a per-option review ([{"option": "A", "verdict": "wrong"}, ...])."""
    key = key.lower()
    if key.startswith(("final", "最终", "最終")):
        return 2
    named = ("correct", "selected", "chosen", "best", "prediction", "decision", "conclusion", "正确", "正確")
    return 0 if key.startswith(("option", "choice", "选项", "選項")) and not key.startswith(named) else 1


def rule_json(text: str, item: Item) -> str | None:
    """The answer field's value: the last `final...` field's, else the last answer field's, else
    a bare `option`/`choice` field's when all of them agree."""
    found: dict[int, list[str]] = {0: [], 1: [], 2: []}
    for m in _KEY.finditer(text):
        got = _value(text, m.end(), item)
        if got is not None:
            found[_rank(m.group("key"))].append(got)
    if found[2] or found[1]:
        return (found[2] or found[1])[-1]
    return found[0][0] if len(set(found[0])) == 1 else None
