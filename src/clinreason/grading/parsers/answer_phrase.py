"""Rule "answer_phrase": an answer stated in prose, in any of our languages.

Answer-first: "the (correct/best/final) answer is C", "I would choose C", "my answer: (C)", the answer
on the line after the lead-in ("the correct answer is:\\n\\nB) ..."), an option's text after it ("the
answer is nitroglycerin"), "La respuesta correcta es la C", "正确答案是B", "正解は e". A looser lead-in
("the most appropriate next step would be B) ...") needs a marked letter or the option's text; "the most
typical / common / characteristic ..." also needs a word of the question ("so the most typical abnormality
is hyperphosphatemia (B)" for "Which abnormality is most typical ...?").
Letter-first: "C is the correct answer", "(C) is correct", "option B is the best choice", "选项C是正确的",
"A: Kocher's incision is the correct answer." (with that option's own text).
Round 6: a hedged pick opening a sentence ("Probably A, though ...", "I think it is B.", "Creo que es la B";
not when another option is called "equally" plausible), the letter after a rejected one ("not E (...); it
is A", "不是B，而是A", "正确的是C"), a conclusion marker before a marked letter ending its line ("..., so
(b)."), "the drug that fits is **A**", and an option named by its position ("The first option is the right
one"; with another option's text beside it, "The fifth option, cystoscopy, ...", a CONFLICT).
Round 7: "the best choice here is B", "I'd say ..." / "Je dirais la colchicine (réponse B)", "Between B and
C, C is more likely", "只有选项B是对的", and the question's own Chinese superlative stem echoed before an
option ("…最常见的病因是胆道疾病").

Skipped: hypotheticals ("if the answer is A", "the answer would be B if ..."), list introductions
("each option: A. ...", "the options:\\nA. ...\\nB. ..."), "C. difficile", "Nitroglycerin (B) is the best
option" (text and letter disagree: CONFLICT). Returns every occurrence, in order: letter.py decides.
"""

from __future__ import annotations

import re

from ...items import Item, TaskType
from .phrases import COMMIT_CUES, NEGATIVE_CUES, PHRASE_LEADINS_CJK, PHRASE_LEADINS_LATIN
from .positions import ORDINAL_ALT, ORDINALS, position_key
from .indecision import named_other, undecided
from .options import ENUM_LINE, gloss_owners, is_letter, norm, option_at, resolve
from .slots import CLOSE, CONFLICT, OPEN, TOK, check_position, read_slot

Occurrence = tuple[int, int, str]  # (start, end, answer or CONFLICT)

_PHRASE = re.compile(
    r"(?i)\b(?:(?:the|my|our)\s+)?"
    r"(?:(?:final|correct|right|best|most\s+(?:likely|appropriate|accurate|correct)|single\s+best|true|only)\s+)*"
    # "the best choice here is B", "the best option for this patient is B"
    r"(?:answer|option|choice|response|selection)(?:\s+to\s+(?:the|this|your)\s+question|\s+here"
    r"|\s+for\s+(?:this|the)\s+(?:patient|question|case))?[*_]*+[ \t]*+"
    # the verb/separator; a bare line break covers a "## Final Answer" heading with the letter below
    r"(?P<sep>is|would\s+be|should\s+be|will\s+be|must\s+be|(?:seems|appears)\s+to\s+be|=|:|[-–—]|(?=\n))"
    r"(?:,?\s+(?:therefore|thus|likely|probably|most\s+likely|clearly|definitely|still|then|actually|indeed|in\s+fact"
    r"|now|instead|ultimately|finally|overall),?)?[ \t]*+:?"
    r"|\b(?:my|our)\s+(?:pick|bet|choice)[ \t]*+(?:is|would\s+be|:)[ \t]*+|\b(?:that|this|which)\s+makes\s+it"
    # "Réponse B." opening a line, or after a colon: "c'est une carence en thiamine : réponse A."
    r"|(?:(?m:^)[ \t*_#>]*+|(?<=:)[ \t]*+)(?:réponse|respuesta|resposta|risposta)(?=[ \t]++\(?[a-z]\)?[.):](?:[ \t]|$))"
    r"|\bfinal[ \t*_]*+:"  # "..., so scratch that. Final: C."
    r"|\bi(?:['’]d|['’]ll|['’]m|\s+am|\s+would|\s+will|\s+should|\s+must)?(?:\s+(?:therefore|thus|then|definitely|probably))?"
    r"\s+(?:choose|select|pick|go\s+with|opt\s+for|recommend|going\s+with|(?:stay|stick)(?:ing)?\s+with|answer)"
    # looser: "the most appropriate next step would be B) ...": only an explicitly marked letter counts
    r"|(?P<loose>\b(?:most\s+(?:likely|appropriate|accurate|probable|suitable|effective|(?P<desc>typical|common|characteristic))"
    r"|best|correct|preferred|that\s+(?:best\s+)?fits(?:\s+best)?)"
    r"(?:\s+[a-z]+){0,5}?\s+(?:is|would\s+be|should\s+be|will\s+be)(?:\s+(?:likely|probably))?[ \t]*+:?)"
    # a hedged pick opening a sentence ("Probably A, though ...", "Answer: I think it is B."), and the answer
    # after a rejected letter ("not E (...); it is A"): both need the clause to end after the letter
    r"|(?P<hedge>(?:(?m:^)|(?<=[.!?:;][ \t]))[ \t*_>#-]*+(?:probably|most\s+likely|likely"
    r"|i\s+(?:think|believe|suspect|guess)(?:\s+(?:that\s+)?it(?:['’]s|\s+is))?|probablemente(?:\s+(?:la|el))?"
    # "Je dirais la colchicine (réponse B), mais ...", "I'd say B, though ..."
    r"|je\s+dirais(?:\s+que\s+c['’]est)?(?:\s+(?:la|le|les)\b|\s+l['’])?|i(?:['’]d|\s+would)\s+say(?:\s+(?:that\s+)?it(?:['’]s|\s+is))?"
    r")[ \t,:]*+"
    r"|\bcreo\s+que\s+(?:es|ser[ií]a)(?:\s+(?:la|el))?|\bje\s+(?:pense|crois)\s+que\s+c['’]est(?:\s+(?:la|le))?"
    r"|\bnot\s+(?:option\s+)?(?:\([a-z]\)|(?-i:[A-Z]))(?![a-z0-9])[^.\n]{0,160}?[;,—–][ \t]*+(?:but\s+)?"
    r"(?:it(?:['’]s|\s+is)|rather)|\bno\s+es\s+la\s+[a-z](?![a-z0-9])[^.\n]{0,160}?[;,][ \t]*+(?:sino|es)(?:\s+la)?)"
    # a conclusion marker right before a marked letter that ends its line: "..., so (b).", "Therefore, **B**"
    r"|\b(?:so|thus|therefore|hence|donc|por\s+(?:lo\s+)?tanto|daher)[ \t,:]*+"
    r"(?=[*_(\[]++[a-z][*_)\]]++[ \t]*+[.!]?[ \t*_]*+(?:\n|$))"
    + "".join(rf"|\b{p}[ \t]*+:?" for p in PHRASE_LEADINS_LATIN)
    + rf"|{PHRASE_LEADINS_CJK}\s*+:?"
)
# Hypotheticals: "If the answer is A", "If he were hypertensive, the answer would be B", "If X, then the
# answer is B", "the answer would be B if ...", "some might argue the answer is B". Not "If A is wrong,
# ..., so the answer is D".
_IF_CLAUSE = re.compile(r"(?i)\b(?:if|whether|assuming|suppose|supposing|unless)\s+$")
# someone else's view in the same clause: "some might argue the answer is B", "one could say ..."
_MODAL_CLAUSE = re.compile(r"(?i)\b(?:might|could|may)\s+(?:\w+\s+){0,3}$")
_IF_SENTENCE = re.compile(r"(?i)^\W*(?:if|unless|suppose|supposing|assuming|had|were)\b")
_CONDITIONAL = re.compile(r"(?i)\b(?:would|could|might)\b|^\W*then\b")
_HYPOTHETICAL_AFTER = re.compile(r"(?i)[^.\n]{0,40}?\b(?:if|unless|only\s+when)\b")
_SENTENCE_START = re.compile(r"[.!?\n。][^.!?\n。]*$")
_CLAUSE_START = re.compile(r"[,;:][^,;:]*$")
# "each option: A. ...", "the next choice: B" introduce a list or a review, not an answer
_QUANTIFIED = re.compile(
    r"(?i)\b(?:each|every|all|following|other|another|remaining|these|those|first|second|third|next|any|an|one"
    r"|previous|last)\s+(?:answer\s+)?$"
)
_SLOT_TOKEN = re.compile(r"(?i)\s*+" + OPEN + r"(?:option\s+)?" + TOK + CLOSE)
# what may follow a hedged answer's letter: the clause ends, or a concession / reason follows
_HEDGE_END = re.compile(r"(?i)[ \t*_]*+(?:$|[\n.,;:!?。，]|(?:though|although|but|because|since|aunque|pero|porque|mais|car)\b)")
# "..., but C is equally plausible": a hedge that puts another option on a par is no single answer
_EQUALLY = re.compile(r"(?i)\b(?:equally|just\s+as|as\s+(?:likely|plausible|good)|igualmente|tan\s+(?:probable|válid)|aussi"
                      r"\s+(?:probable|plausible))\b")
# "Most likely C (thiamine), then A": a gloss of the hedged letter; "Probably C, or A": two answers
_HEDGE_GLOSS = re.compile(r"[ \t]*+\([^()\n]{1,80}+\)")
_OR_LETTER = re.compile(r"(?i)[ \t*_]*+,?[ \t]*+(?:or|and)\s+(?:option\s+)?\(?[a-z]\)?(?![a-z0-9])")
_NEXT_LINE = re.compile(r"[^\n]{0,400}+\n(?:[ \t]*+\n){0,3}+")  # bounded: keeps long lines linear

# Letter-first. Negations ("C is not correct") and "C is the most likely to ..." don't match.
_LETTER_FIRST = re.compile(
    # the lookbehind forbids starting inside a run of markup: keeps "(((((..." linear
    # "(option A) is first-line": the noun may sit inside the brackets
    r"(?i)(?<![a-z0-9*_`'\"“‘(\[{$「『])(?:\((?=[ \t]*+(?:option|choice)\s))?"
    r"(?P<noun>[ \t]*+(?:option|choice|answer|letter|opci[oó]n|respuesta)\s+)?" + OPEN + TOK + CLOSE
    + r"\s+(?:es\s+(?:la\s+|el\s+)?(?:correct[ao]|adecuad[ao])(?![a-z])|est\s+(?:la\s+)?(?:bonne|correcte|exacte)(?![a-z])"
    r"(?:\s+réponse)?|is\s+(?:(?:the|my)\s+)?(?:correct|right|best|most\s+(?:likely|appropriate|correct))"
    r"(?:\s+(?:answer|option|choice|response|diagnosis|treatment|step|management|explanation|cause|mechanism"
    r"|drug|medication|test|intervention|one))?"
    r"|is\s+(?:the\s+)?first[- ]line(?:\s+(?:treatment|therapy|drug|agent|management|choice|option))?"
    r"|fits\s+(?:best|most\s+closely)"
    r"(?=[ \t*_]*+(?:$|[\n.,;:!?)]|(?:here|because|since|as|given|for\s+(?:this|the)|in\s+this)\b)))"
)
# ... with the option's text between: "A: Kocher's incision is the correct answer." (a line of its own)
_LETTER_TEXT_FIRST = re.compile(
    r"(?im)^[ \t*_#>-]*+(?:(?:option|choice)[ \t]++)?\(?(?P<tok>[a-z])[.):][ \t*_]*+(?P<said>[^\n]{1,200}?)[*_]*+"
    r"[ \t]++(?:is|would\s+be)\s+(?:the\s+)?(?:correct|right|best|most\s+(?:likely|appropriate))\b"
    r"(?:\s+(?:answer|option|choice|diagnosis|treatment|step|management|drug|one))?(?=[ \t*_]*+(?:$|[.,;:!]))"
)
_LETTER_FIRST_BEFORE = re.compile(r"(?i)(?:[\n.!?:;,]|\b(?:so|thus|therefore|hence|then))[ \t*_]*$")
# "选项C是正确的", "cが正しい"; without the particle only mid-line ("a 正しい。" opens a review line)
# "只有选项B是对的" (only B is right): 对 needs the noun or the particle, and no question after it ("B是对的吗")
_LETTER_FIRST_CJK = re.compile(
    r"(?i)(?:(?P<noun>选项|選項)|(?<!\w))(?P<tok>[a-z])(?![a-z0-9])[ \t]*+(?P<particle>是|为|為|が)?"
    r"(?:正确|正確|最佳|正解|正しい|(?P<right>(?:对|對)的?+)(?![吗嗎?？])"
    r"|(?P<most>最も(?:考えられ|疑われ|可能性が高|適切|ふさわし)))"
)
# "Between B and C, C is more likely": the pick of one of two options just named
_BETWEEN = re.compile(
    r"\b[Bb]etween\s+(?:options?\s+)?\(?(?P<one>[A-Z])\)?\s+and\s+\(?(?P<two>[A-Z])\)?[ \t]*+,?[ \t]*+(?:option\s+)?"
    r"\(?(?P<tok>[A-Z])\)?\s+is\s+(?:the\s+)?(?:more\s+(?:likely|appropriate|probable|plausible)|likelier|better|preferable)"
    r"(?![ \t]+than)(?=[ \t*_]*+(?:$|[\n.,;:!]|(?:because|since|as|given|here)\b))"
)
# "…最常见的病因是胆道疾病": the question's own superlative stem, echoed, then the answer
_CJK_STEM = re.compile(r"最[^\s。、,.:()，；;？?]{1,12}?(?:是|为|為)")
# "The first option is the right one", "The fifth option, cystoscopy, is the investigation of choice"
_ORDINAL_FIRST = re.compile(rf"(?i)\b(?:the\s+)?(?P<ord>{ORDINAL_ALT})\s+(?:option|choice|answer)\b")
_LINE_OPENING = re.compile(r"(?:^|\n)[ \t*_>#-]*+$")


def _hypothetical(text: str, m: re.Match) -> bool:
    before = text[max(0, m.start() - 300) : m.start()]
    cut = _SENTENCE_START.search(before)
    sentence = before[cut.start() + 1 :] if cut else before
    cut = _CLAUSE_START.search(sentence)
    clause = sentence[cut.start() + 1 :] if cut else sentence
    if _IF_CLAUSE.search(clause) or _MODAL_CLAUSE.search(clause):
        return True  # "if the answer is A", "some might argue that the answer is B"
    if _IF_SENTENCE.match(sentence) and cut and _CONDITIONAL.search(clause + m.group(0)):
        return True  # "If he were hypertensive, the answer would be B"
    return bool(re.search(r"(?i)would|could|might", m.group(0))) and bool(_HYPOTHETICAL_AFTER.match(text, m.end()))


def _list_intro(text: str, pos: int, item: Item) -> bool:
    """The slot at `pos` holds the first option and the next line enumerates the second one."""
    keys = list(item.options)
    m = _NEXT_LINE.match(text, pos)
    nxt = ENUM_LINE.match(text, m.end()) if m else None
    return bool(nxt and len(keys) > 1 and resolve(nxt.group(1), item) == resolve(keys[1], item))


def _named_before(before: str, answer: str, item: Item) -> str:
    """`answer`, or CONFLICT when another option's text comes right before its letter:
    "Nitroglycerin (B) is the best option"."""
    tail = norm(before)
    named = [k for k, v in item.options.items() if len(norm(v)) > 3 and tail.endswith(norm(v))]
    return CONFLICT if named and answer not in named and item.task == TaskType.mcq else answer


def _asked(leadin: str, item: Item) -> bool:
    """A descriptive superlative ("the most typical abnormality is") answers the question only when it
    names what the question asks about: a longer word of it (other than the superlative) is in the question."""
    words = set(norm(leadin).split()) - {"most", "typical", "common", "characteristic", "would", "should", "will"}
    return bool({w for w in words if len(w) >= 4} & set(norm(item.question).split()))


def rule_answer_phrase(text: str, item: Item) -> list[Occurrence]:
    """Every answer stated in prose (see the module doc), in text order."""
    found: list[Occurrence] = []
    for m in _PHRASE.finditer(text):
        if _hypothetical(text, m) or _QUANTIFIED.search(text[max(0, m.start() - 30) : m.start()]):
            continue
        got = read_slot(text, m.end(), item)
        slot = _SLOT_TOKEN.match(text, m.end())
        if m.group("hedge") and slot and text[slot.end() : slot.end() + 1] in (".", "!", "?"):
            # a hedge is prose: "I think it is B. Oxytocin ..." ends its sentence at the letter (not so
            # "Probably C. difficile": a lowercase word goes on with the name)
            if text[slot.end() + 1 : slot.end() + 3].strip()[:1].islower():
                continue
            got = read_slot(text[: slot.end() + 1], m.end(), item)
        if got is None:
            continue
        by_letter = bool(slot) and got == resolve(slot.group("tok"), item)
        if m.group("desc") and not _asked(m.group("loose"), item):
            continue  # "the most common mistake is ...": a fact in passing, not what the question asks
        if m.group("loose") and by_letter and is_letter(slot.group("tok")):
            # loose lead-ins need a marked letter ("B)", "**B**") or the option's text after it
            if not slot.group("close") and not option_at(text, slot.end(), item, key=got):
                continue
        if m.group("hedge") and by_letter:
            gloss = _HEDGE_GLOSS.match(text, slot.end())
            owners = gloss_owners(gloss.group().strip(" \t()"), item) if gloss else set()
            end = gloss.end() if gloss and owners <= {got} else slot.end()  # (a gloss of another option: no pick)
            if not _HEDGE_END.match(text, end):
                continue  # "I think B is less likely": a letter in prose, not a pick
            rest = re.split(r"[.!?\n。]", text[end : end + 300], maxsplit=1)[0]
            got = CONFLICT if _EQUALLY.search(rest) or _OR_LETTER.match(rest) else got
        if by_letter and m.group("sep") is not None and named_other(text, m.start(), got, item):
            got = CONFLICT  # "Thiamine deficiency is the cause, so the answer is F" (thiamine is C)
        if by_letter and _list_intro(text, slot.end(), item):
            # (a lead-in with the options listed on the lines below it echoes the question: "下列说法正确的是\nA. …")
            if m.group(0).rstrip().endswith(":") or m.group("sep") in (":", "") or "\n" in text[m.start() : slot.start()]:
                continue
        found.append((m.start(), m.end(), got))
    for m in _LETTER_FIRST.finditer(text):
        answer = resolve(m.group("tok"), item)
        if answer is None:
            continue
        before = text[max(0, m.start() - 40) : m.start()]
        at_boundary = (m.start() <= 40 and not before.strip(" \t*_")) or _LETTER_FIRST_BEFORE.search(before)
        # without a noun or markup, only an uppercase letter at a sentence/clause start counts
        if m.group("noun") or m.group("close") or (at_boundary and m.group("tok").isupper()):
            found.append((m.start("tok"), m.end(), _named_before(before, answer, item)))
    for m in _LETTER_TEXT_FIRST.finditer(text):
        answer = resolve(m.group("tok"), item)
        said = norm(m.group("said"))
        if answer is not None and item.task == TaskType.mcq:
            if said == norm(item.options[answer]):
                found.append((m.start(), m.end(), answer))
            elif any(said == norm(v) for v in item.options.values()):
                found.append((m.start(), m.end(), CONFLICT))  # "B) Kocher's incision is the correct answer."
    for m in _LETTER_FIRST_CJK.finditer(text):
        answer = resolve(m.group("tok"), item)
        opens_line = _LINE_OPENING.search(text, max(0, m.start() - 20), m.start())
        marked = m.group("noun") or m.group("particle")
        if m.group("most") and m.group("particle") != "が":
            continue  # "cが最も考えられます" (c is the most likely) needs its particle
        if answer is not None and (marked or (not opens_line and not m.group("right"))):
            found.append((m.start(), m.end(), answer))
    for m in _BETWEEN.finditer(text):
        answer = resolve(m.group("tok"), item)
        if answer is not None and m.group("tok") in (m.group("one"), m.group("two")) and m.group("one") != m.group("two"):
            found.append((m.start(), m.end(), answer))
    found += _cjk_stem(text, item)
    found += undecided(text, item)
    found += _ordinal_first(text, item)
    return sorted(found)


def _ordinal_first(text: str, item: Item) -> list[Occurrence]:
    """An option named by its position as the subject of a committing sentence that negates nothing;
    CONFLICT when another option's text stands beside the position."""
    found = []
    for m in _ORDINAL_FIRST.finditer(text):
        key = position_key(ORDINALS[m.group("ord").lower()], item)
        start = max(text.rfind(ch, 0, m.start()) for ch in ".!?;\n") + 1
        sentence = re.split(r"[.!?;\n]", text[start : m.end() + 300], maxsplit=1)[0]
        if key and COMMIT_CUES.search(sentence) and not NEGATIVE_CUES.search(sentence):
            found.append((m.start(), m.end(), check_position(text, key, m.end(), item)))
    return found


def _cjk_stem(text: str, item: Item) -> list[Occurrence]:
    """(Chinese) the question's superlative stem echoed ("最常见的病因是" of "…最常见的病因是"), then an
    option's text or letter; not when the stem negates ("最常见的病因不是")."""
    found = []
    for m in _CJK_STEM.finditer(text):
        stem = m.group()
        if len(stem) < 4 or stem[:-1] not in item.question or re.search(r"不|非|没|沒", stem):
            continue
        got = read_slot(text, m.end(), item)
        if got is not None:
            found.append((m.start(), m.end(), got))
    return found
