"""Answer extraction: free model text -> the option letter (mcq) or yes/no/maybe it commits to.

Pure functions, no model involved, never raises on any string, linear time. Building blocks:
`phrases.py` (words by language), `options.py` (the item's options in a text), `slots.py` (reading
what follows a lead-in), and the rules of `answer_phrase.py`, `json_answer.py`, `option_text.py`.

Our prompts ask for a final line ``ANSWER: X``, in every language: ``ANSWER:`` stays the required
token even in a prompt written in Chinese or French, and yes/no/maybe items ask for the English words
(agreed with the prompt authors). A response that follows that format -- ``ANSWER:`` with an option
letter, or with yes/no/maybe in English -- is read by the rule ``format`` and is the only kind marked
``strict``. A localized label (``答案：C``, ``Réponse : C``) or a localized word (``ANSWER: 是``) is NOT
strict: it deviates from the requested format, and is read by ``answer_label``.

Rules, in priority order. The first rule that finds an answer wins; within a rule the LAST occurrence
wins, because models discuss other options first and restate their conclusion at the end -- unless
the answer just before it (also one opening the response) differs and the model did not change its mind
in between ("On reflection, ...", "However, ...", "so the answer is ..."): "A. Muscle biopsy\\n\\nThe
correct answer is D." commits to two answers, which is a conflict.

  format          a line starting with ``ANSWER:`` (markdown allowed: ``**ANSWER:** C``, ``ANSWER: (C)``,
                  ``Answer: C) Nitroglycerin``, the letter on the next line).
  answer_label    any other answer line: another separator (``Answer - c (comment)``), another language
                  (``答案：D``, ``Respuesta: B``, ``उत्तर: A``), the option's text (``ANSWER: Nitroglycerin``).
  json            an answer field of a JSON object: ``{"answer": "C"}``, ``"answer_choice": "B. Labetalol"``.
  boxed           ``\\boxed{C}``, ``\\boxed{\\text{C}}`` (math-style prompts); deliberate markup.
  answer_phrase   "the (correct/best/final) answer is C", "I would choose C", "C is the correct answer",
                  "the most appropriate next step would be B) ...", "(option B)", the answer on the line
                  after the lead-in, an option's text after it, and other languages ("La respuesta
                  correcta es la C", "La bonne réponse est B", "正确答案是B", "正解は e").
  bare            the whole response is just the answer: "C", "(C)", "**C**", "C) Nitroglycerin", "yes", "否".
  leading_letter  the response opens with an option marker: "C. Nitroglycerin is ...", "(B) because ...".
  option_line     a line of its own with a letter (and its text) when no list of options is written.
  option_ref      the one bracketed reference to an option ("... causes Wernicke encephalopathy (option c)."), or
                  the one option set in bold in prose ("... adverse effect of **fluoroquinolones (B)**", emphasis.py).
  option_review   a review of the options judging exactly one correct and the others wrong
                  ("a 正しい。… b 誤り。…", "A. Diltiazem: incorrect ... C. Nitroglycerin: correct", "- B. Thiamine ✅"),
                  or a markdown table with a verdict cell per option, exactly one marked yes (tables.py).
  option_text     (mcq) an option's text instead of its letter (see option_text.py).
  yes_no_maybe    (yes/no/maybe items) the response opens with the word ("Yes,", "Non.", "はい、") or exactly
                  one of the three stands alone as a sentence/conclusion ("In summary, no.", "结论：否。").

An answer that is not ONE answer of the item -- several letters ("A, B, C, and D"), a letter with
another option's text ("B) Nitroglycerin"), a letter with text that is no option's ("D. ANSIX", a garbled
copy of an option), "none of the above" -- stops the search with answer None and rule ``conflict``:
never a guess.

Run-on generations (runon.py): when the model, after answering, writes a new question ("Question: ...",
"Question suivante :", a chat turn, a new vignette or numbered question with options) and answers that
too, only the text before the first generated question is read. If nothing was answered before it,
the response is unparsed (unless that block restates the asked question).

If the response is nothing but thinking (``<think>`` blocks, an unclosed ``<think>``), the rules run
on the thinking text instead and the rule name gets the suffix ``@think`` (never strict). Tasks other
than mcq / yes_no_maybe are not handled here (-> unparsed).

Traps handled on purpose: the article "A" ("A 45-year-old man ..."), lowercase "a" in prose, the
pronoun "I" in 10-option items, letters that are not options, hypotheticals ("if the answer is A"),
negations ("the answer is not A"), list introductions ("Let's look at each option: A. ..."),
"C. difficile", an answer line echoing a placeholder ("ANSWER: X"), "是否" (whether) and "可能性".
"""

from __future__ import annotations

import re
from collections.abc import Callable

from ...items import Item, TaskType
from .answer_phrase import Occurrence, rule_answer_phrase
from .corrections import contradicted, with_corrections
from .base import THINK_TAG, UNPARSED, Extraction, strip_thinking
from .emphasis import rule_bold
from .json_answer import rule_json
from .native import latin_letters, plain_quotes
from .option_text import finished_review, rule_option_line, rule_option_ref, rule_option_review, rule_option_text
from .options import ENUM_LINE, is_letter, normalize, option_key
from .phrases import ANSWER_LABEL_ALT
from .runon import foreign_question, generated, looping, options_echo, restates
from .settle import settle
from .tables import answer_rows, rule_option_table
from .yes_no import rule_yes_no_maybe
from .slots import CLOSE, CONFLICT, NOUN, OPEN, TOK, parse_value, read_slot, read_token

CONFLICT_RULE = "conflict"

# "format": a line that starts with ANSWER: (after list/quote/heading/bold markup).
_FORMAT = re.compile(r"(?im)^[ \t>#*_`-]*+answer[ \t*_`]*+:[*_`]*+")
# "answer_label": an answer line in any language, with any separator ("【答案】B" too).
_LABEL = re.compile(
    rf"(?im)^[ \t>#*_`\-【\[]*+(?:answer|{ANSWER_LABEL_ALT})[ \t*_`]*+(?:[】\]][ \t]*+[:=\-–—]?|[:=\-–—])[*_`]*+"
)
_BOXED = re.compile(r"\\boxed\s*\{((?:[^{}]|\{[^{}]*\})*)\}")
_LATEX_WRAPPER = re.compile(r"\\(?:text|textbf|mathrm|mathbf|mbox)\s*")
_LEADING = re.compile(r"(?i)[\s*_#>`]*+" + OPEN + NOUN + OPEN + r"[ \t]*+" + TOK + CLOSE)  # "选项 (B) 阿托品"
# the lines right below the opening one (blank lines skipped), up to the next line of prose
_LIST_BELOW = re.compile(
    r"(?:\n[ \t]*+(?=\n))*+(?:\n[ \t*_#>-]*+(?:(?:option|choice)[ \t]++)?\(?[a-z][.):][^\n]*+)+", re.IGNORECASE
)
# a line right after "The correct answer is:" states an answer, it doesn't continue a list of options
_AFTER_LEADIN = re.compile(r"(?i)\b(?:answer|option|choice)[ \t*_]*+(?:is|would\s+be)?[ \t*_]*+:[ \t*_]*+\n\s*+$")
# `<answer>C</answer>`: the answer tags reasoning-model prompts ask for
_ANSWER_TAG = re.compile(r"(?i)<answer>[ \t\n]*+([^<\n]{1,200}+)</answer>")
# a reply cut off mid-thought right after doubting its answer ("I think A, but let me check whether ...")
_DOUBT = re.compile(r"(?i)\b(?:but|wait|however|hmm|let\s+me|double[- ]check|re-?check|verify|unless|whether)\b")

Rule = Callable[[str, Item], "str | list[Occurrence] | None"]


# --------------------------------------------------------------------------------------------
# The rules: (text, item) -> answer / CONFLICT / None, or every occurrence for positional rules
# --------------------------------------------------------------------------------------------


def _rule_format(text: str, item: Item) -> list[Occurrence]:
    """Every `ANSWER: X` line with a letter / English yes-no-maybe word."""
    found = [(m.start(), m.end(), read_slot(text, m.end(), item, langs={"en"}, text_ok=False))
             for m in _FORMAT.finditer(text)]
    return [occ for occ in found if occ[2] is not None]


def _rule_answer_label(text: str, item: Item) -> list[Occurrence]:
    """Every other answer line: another separator or language, an option's text as the value."""
    found = [(m.start(), m.end(), read_slot(text, m.end(), item)) for m in _LABEL.finditer(text)]
    found += [(m.start(), m.end(), parse_value(m.group(1), item)) for m in _ANSWER_TAG.finditer(text)]
    found += answer_rows(text, item)  # "| Option | C |": the answer line as a table row
    found.sort()
    return [occ for occ in found if occ[2] is not None]


def _rule_boxed(text: str, item: Item) -> str | None:
    """`\\boxed{C}`, `\\boxed{\\text{(C)}}`, `\\boxed{yes}`, `\\boxed{Nitroglycerin}`; the last valid one."""
    for m in reversed(list(_BOXED.finditer(text))):
        got = parse_value(_LATEX_WRAPPER.sub("", m.group(1)).replace("{", "").replace("}", ""), item)
        if got is not None:
            return got
    return None


def _rule_bare(text: str, item: Item) -> str | None:
    """The whole response is the answer: "C", "(C)", "**C**", "c", "C) Nitroglycerin", "Yes.", "否"."""
    return parse_value(text, item, text_ok=False)


def _rule_leading_letter(text: str, item: Item) -> list[Occurrence]:
    """The response opens with an option marker: "C. Nitroglycerin is ...", "(B) because ...".
    Not when it opens a list of the options: A, then B or C on a later line; or any letter with the
    options enumerated right below it ("E. ...\nA. ...\nB. ...")."""
    m = _LEADING.match(text)
    if not m or not is_letter(m.group("tok")):
        return []
    got = read_token(m, text, item, leading=True)
    if got is None:
        return []
    keys = list(item.options)
    # (yes/no/maybe items answer with the word: "A: Yes\nB: No" lists the options as much as "A. ...\nB. ...")
    got = next((k for k, v in item.options.items() if got not in keys and normalize(v).strip().lower() == got), got)
    later = next((k for k in (option_key(x.group(1), item) for x in ENUM_LINE.finditer(text, m.end())
                              if not _AFTER_LEADIN.search(text, max(0, x.start() - 80), x.start())) if k != got), None)
    if got != CONFLICT and got in keys and later in keys and keys.index(later) > keys.index(got):
        return []  # "A. ...\nB. ..." / "A. ...\nC. ...": a list of the options, not an answer
    line_end = text.find("\n", m.end())
    line_end = len(text) if line_end < 0 else line_end
    said = text[m.end() : line_end].strip(" \t*_")
    if said.endswith(":") and said.strip(" .):"):
        return []  # "A. 病久体虚肿甚：" heads a discussion of A (like "Option A:"), it doesn't choose it
    below = _LIST_BELOW.match(text, line_end)
    if below and len({option_key(x, item) for x in ENUM_LINE.findall(below.group())} - {None, got}) >= 2:
        return []  # the options echoed right below the opening line
    return [(0, line_end, read_token(m, text, item, leading=True))]  # its line is part of the commitment


_RULE_FUNCS: tuple[tuple[str, Rule], ...] = (
    ("format", _rule_format),
    ("answer_label", _rule_answer_label),
    ("json", rule_json),
    ("boxed", _rule_boxed),
    ("answer_phrase", rule_answer_phrase),
    ("bare", _rule_bare),
    ("leading_letter", _rule_leading_letter),
    ("option_line", rule_option_line),
    ("option_ref", lambda text, item: rule_option_ref(text, item) or rule_bold(text, item)),
    ("option_review", lambda text, item: rule_option_review(text, item) or rule_option_table(text, item)),
    ("option_text", rule_option_text),
    ("yes_no_maybe", rule_yes_no_maybe),
)
RULES: tuple[str, ...] = tuple(name for name, _ in _RULE_FUNCS)


# --------------------------------------------------------------------------------------------
# Settling occurrences, run-on generations, and the public API
# --------------------------------------------------------------------------------------------


def _apply(text: str, item: Item) -> tuple[str, str | None] | None:
    # an opening line that is nothing but an answer ("A. Muscle biopsy") is weighed against later ones;
    # one that discusses an option ("A. Diltiazem is not ideal here.") is not
    opening = _rule_leading_letter(text, item)
    if opening and parse_value(text[: opening[0][1]], item, text_ok=False) is None:
        opening = []
    for name, rule in _RULE_FUNCS:
        got = rule(text, item)
        if isinstance(got, list):  # a positional rule: every occurrence, settled into one answer
            got = with_corrections(got, text, item) if name == "answer_label" else got
            if got and got[0][0] > 0:
                got = sorted(opening + got)
            last = got[-1][1] if got else 0
            got = settle(got, text, item) if got else None
            if name in ("format", "answer_label") and got not in (None, CONFLICT) and contradicted(got, last, text, item):
                got = CONFLICT  # "答え: E\n\n解説：...U波が特徴的" names B: two answers
        if got == CONFLICT:
            return CONFLICT_RULE, None
        if got is not None:
            return name, got
    return None


def _read(text: str, item: Item) -> tuple[str, str | None] | None:
    """The first committed answer: before the first generated question, if the model answered there."""
    for cut, sure in generated(text, item):
        got = _apply(text[:cut], item) or (finished_review(text[:cut], item) if sure else None)
        if got is not None:
            return got
        if sure and not restates(text[cut:], item):
            return None  # nothing answered before the model moved on to a question of its own
    return _apply(text, item)


def _cut_off_doubting(text: str) -> bool:
    """The text stops mid-sentence, and that last sentence doubts what it said."""
    text = text.rstrip()
    if not text or text[-1] in ".!?。！？)]*_\"'”’`>":
        return False
    last = re.split(r"[.!?。！？\n]", text[-400:])[-1]
    return bool(_DOUBT.search(last))


def extract_answer(text: str, item: Item) -> Extraction:
    """The answer a free-text response commits to, and the rule that found it (see module doc)."""
    if item.task not in (TaskType.mcq, TaskType.yes_no_maybe):
        return UNPARSED
    if not isinstance(text, str):
        text = "" if text is None else str(text)
    text = latin_letters(plain_quotes(normalize(text)), item)
    visible, suffix = strip_thinking(text), ""
    if not visible:
        # only thinking: look for an answer stated inside it, marked as such
        visible, suffix = THINK_TAG.sub("\n", text).strip(), "@think"
    # a loop, the list of options echoed, or a question of the model's own opening the response
    echo = looping(visible, item) or options_echo(visible, item) or foreign_question(visible, item)
    got = _read(visible, item) if visible and not echo else None
    if suffix and got and _cut_off_doubting(visible):
        return UNPARSED  # thinking cut off while doubting its tentative answer: nothing committed
    if got is None:
        return UNPARSED
    name, answer = got
    return Extraction(answer, name + suffix, name == "format" and not suffix)


__all__ = ["CONFLICT_RULE", "RULES", "Extraction", "extract_answer", "strip_thinking"]
