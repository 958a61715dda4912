"""Answer words and phrases by language: data for the letter / yes-no-maybe rules (letter.py).

Everything language-specific lives here, so adding a language means adding words, not rules. Texts
are NFKC-normalized before matching (full-width "ＡＮＳＷＥＲ：Ｃ" reads as "ANSWER:C"), so the forms
below are written half-width. All regex fragments are used case-insensitively.
"""

from __future__ import annotations

import re

# yes / no / maybe as written in each language. A language is accepted whatever item.language says
# (models answer in English to Chinese questions and the other way round); item.language only
# decides whether a word on the `ANSWER:` line is the requested format (see letter.py).
YNM_WORDS: dict[str, dict[str, tuple[str, ...]]] = {
    "en": {"yes": ("yes",), "no": ("no",), "maybe": ("maybe",)},
    "zh": {"yes": ("是", "是的"), "no": ("否", "不是"), "maybe": ("可能", "也许", "也許", "或许", "或許")},
    "ja": {"yes": ("はい",), "no": ("いいえ",), "maybe": ("わからない", "分からない", "どちらとも言えない", "どちらともいえない")},
    "fr": {"yes": ("oui",), "no": ("non",), "maybe": ("peut-être", "peut-etre", "peut être")},
    # "si" without its accent is also "if" (es/fr/it): not accepted
    "es": {"yes": ("sí",), "no": ("no",), "maybe": ("quizás", "quizá", "quizas", "tal vez")},
    "pt": {"yes": ("sim",), "no": ("não",), "maybe": ("talvez",)},
    "it": {"yes": ("sì",), "no": ("no",), "maybe": ("forse",)},
    "de": {"yes": ("ja",), "no": ("nein",), "maybe": ("vielleicht",)},
    # "जी हाँ" / "जी नहीं": the polite forms (ja "どちらとも言えない", can't say either way, is a maybe)
    "hi": {"yes": ("हाँ", "हां", "जी हाँ", "जी हां"), "no": ("नहीं", "जी नहीं"), "maybe": ("शायद",)},
    "ar": {"yes": ("نعم",), "no": ("لا",), "maybe": ("ربما",)},
    # Vietnamese: "có thể" (maybe) is matched before "có" (yes), the alternation being longest first
    "vi": {"yes": ("có",), "no": ("không",), "maybe": ("có thể",)},
}

# written form (lowercase) -> "yes" / "no" / "maybe"; and -> the languages that write it
WORD_CLASS: dict[str, str] = {}
WORD_LANGS: dict[str, set[str]] = {}
for _lang, _classes in YNM_WORDS.items():
    for _canon, _forms in _classes.items():
        for _form in _forms:
            WORD_CLASS[_form] = _canon
            WORD_LANGS.setdefault(_form, set()).add(_lang)

# alternation of every form, longest first ("not" never reads as "no": the caller forbids a letter after)
YNM_ALT = "|".join(re.escape(w) for w in sorted(WORD_CLASS, key=len, reverse=True))

# Nouns that may stand between a lead-in and the letter: "option C", "la opción B", "选项C".
# "la respuesta es la letra D", "c'est la lettre B": the word for "letter" names the option too
OPTION_NOUNS_LATIN = r"option|choice|letter|opción|opcion|opção|alternativa|choix|proposition|letra|lettre|विकल्प"
OPTION_NOUNS_CJK = r"选项|選項|選択肢|选择"

# Labels that open an answer line in other languages ("答案：D", "Réponse : C", "उत्तर: A").
ANSWER_LABELS = (
    "答案", "正确答案", "最终答案", "正确选项", "答", "答え", "正解", "正答", "解答", "回答", "最終回答", "정답",
    "réponse", "réponse finale", "bonne réponse", "la bonne réponse", "réponse correcte",
    "opción correcta", "opcion correcta", "la opción correcta", "option correcte", "la bonne option",
    "respuesta", "respuesta final", "respuesta correcta", "la respuesta correcta",
    "resposta", "resposta final", "resposta correta", "risposta", "risposta finale", "risposta corretta",
    "antwort", "richtige antwort", "endgültige antwort", "lösung", "ответ", "правильный ответ",
    "उत्तर", "सही उत्तर", "अंतिम उत्तर", "conclusion",
    "alternativa correta", "alternativa", "opção correta", "resposta certa",
    # Arabic: "the (correct) answer (is)"
    "الإجابة", "الإجابة الصحيحة", "الإجابة الصحيحة هي", "الإجابة هي", "الجواب", "الجواب الصحيح", "الجواب هو",
    # Vietnamese "(the correct) answer"; "Verdict — No." heads a conclusion line like "Answer:"
    "đáp án", "đáp án đúng", "verdict",
)
ANSWER_LABEL_ALT = "|".join(re.escape(w).replace(r"\ ", r"\s+") for w in sorted(ANSWER_LABELS, key=len, reverse=True))

# Prose lead-ins in other languages ("La respuesta correcta es la C", "La bonne réponse est B").
# A trailing article is optional and not possessive: "é a C" takes "a" as the article, "é A" the letter.
PHRASE_LEADINS_LATIN = (
    r"(?:respuesta|opci[oó]n)(?:\s+(?:correcta|final|adecuada))?\s+es(?:\s+(?:la|el))?",
    r"(?:elijo|elegir[ií]a|escojo|escoger[ií]a)(?:\s+la\s+(?:opci[oó]n|respuesta))?",
    r"(?:réponse|option|proposition)(?:\s+(?:correcte|finale|exacte))?\s+est(?:\s+(?:la|le))?",
    r"je\s+(?:choisis|choisirais|choisirai|retiens)(?:\s+(?:la\s+réponse|l['’]option|la\s+proposition))?",
    r"(?:resposta|alternativa)(?:\s+(?:correta|final))?\s+é(?:\s+(?:a|o))?",
    # a label in mid-paragraph: "... no adulto. Alternativa correta: letra A.", "Opción correcta: B"
    r"(?:resposta|alternativa|op[çc][ãa]o|respuesta|opci[oó]n|réponse)\s+(?:correta|certa|correcta|correcte|final|finale)"
    r"(?=[ \t]*+:)",
    r"(?:ال)?(?:إجابة|جواب)(?:\s+(?:ال)?صحيح[ةه]?)?\s+(?:هي|هو)",
    r"risposta(?:\s+(?:corretta|giusta|finale))?\s+è(?:\s+la)?",
    r"antwort\s+ist",
    # "I'd eliminate B, C and D ... which leaves A."
    r"(?:which|that|this)\s+leaves(?:\s+(?:us\s+with|only|just))?",
    # "Damit lautet die Lösung A", "Die richtige Antwort lautet B"
    r"(?:lösung|antwort)\s+lautet|lautet\s+(?:die\s+)?(?:richtige\s+)?(?:lösung|antwort)",
    # "es la opción "D"" after "el resultado"/"la respuesta" in the same clause (no "no" in it)
    r"(?:resultado|respuesta)(?:[^.\nn]|n(?!o\b)){0,60}?\bes\s+la\s+opci[oó]n",
    r"उत्तर\s+है",
    # "इसलिए उत्तर B है": the letter between the noun and the copula (a copula must follow it)
    r"उत्तर(?=[ \t]*+\(?[a-z]\)?[ \t]*+(?:है|हैं|होगा|होगी))",
    r"सही\s+(?:विकल्प|उत्तर)",
    r"ответ\s*(?:[-—:]|это)",
)
# CJK has no word boundaries: these match anywhere ("正确答案是B", "故选C", "本题选B", "正解は e").
# "正确选项为 B" comes before "选择?", which would otherwise take its "选" and fail on "项为 B". A correction
# ("所以更正为 C", "改为 C") states the new answer; "最も考えられるのは…（A）", "最可能的是…" lead in to the
# most likely option (its letter, or a clause ending in its letter, must follow). A conclusion states the
# answer too: "結論としては「いいえ」です", "结论是 B" (but not "结论是否可靠": 否 glued to prose is no token).
# After rejecting others, "正确的是 C" (the correct one is C) and "不是 A，而是 C" (not A but rather C) state it.
PHRASE_LEADINS_CJK = (r"(?:答案\s*(?:又|也|还|還|则|則)?\s*(?:是|为|為|应为|應為|应该是|應該是|应是|應是|:)|最有?可能(?:是|为|為)|答え\s*(?:は|:)|正解\s*(?:は|:)"
                      r"|正答\s*(?:は|:)|(?:正确|正確|最佳)?(?:选项|選項)\s*(?:是|为|為)|(?:更正|改)(?:为|為|成)|改选"
                      r"|最も?[^\s。、,.:()]{1,10}?(?:のは|的是)|正しいのは|选择?(?![项項])|選択|정답은"
                      r"|結論\s*(?:として(?:は)?|は)|结论\s*(?:是|为|為)|(?:正确|正確)的\s*(?:是|为|為)|而是)")

# Run-on generations: a line that opens a new question or a new chat turn.
# "Question suivante :", "Siguiente pregunta:", "Nächste Frage:": the adjective before or after the noun.
NEW_TURN = re.compile(
    r"(?im)^[ \t>#*_]*+(?:(?:next|new|another|follow[- ]up|nouvelle|autre|siguiente|pr[oó]xima|otra|nueva|n[aä]chste"
    r"|neue|prossima|nuova|altra)\s+)?"
    r"(?:question|q|problem|human|user|instruction|问题|题目|問題|質問|pregunta|frage|domanda|下一道?题|次の(?:問題|質問))"
    r"(?:\s+(?:suivante|siguiente|successiva|seguente))?(?:[ \t]*+#?\d{1,3})?[ \t*_]*+(?:[:.)]|$)"
    r"|<\|(?:im_start|im_end|user|endoftext|eot_id|start_header_id)\|>|\[INST\]"
    # a chat-template role token decoded as junk glued to the role: "さいころuser"
    r"|^[^\sA-Za-z0-9]{1,12}(?:user|assistant)[ \t]*$"
)
CHAT_TURN = re.compile(r"(?i)^[ \t>#*_]*+(?:human|user)\b|^<\||^\[INST\]|^[^\sA-Za-z0-9]{1,12}user[ \t]*$")

# option_text: a sentence that commits to the option it names, and one that rejects it.
COMMIT_CUES = re.compile(
    r"(?i)\b(?:answer|choice|option|diagnosis|treatment|management|step|drug|medication|intervention|agent"
    r"|cause|test)\s+(?:is|would\s+be|should\s+be|will\s+be)\b"
    r"|\bis\s+(?:the\s+)?(?:correct|right|best|preferred|most\s+(?:likely|appropriate|effective|accurate))\b"
    r"|\bof\s+choice\b|\bis\s+indicated\b|\bfirst[- ]line\b|\bshould\s+(?:be\s+(?:given|started|used)|receive)\b"
    r"|\bi(?:\s+would|['’]d)?\s+(?:choose|select|pick|recommend|go\s+with)\b"
    r"|^[\W_]*(?:give|start|administer|prescribe|begin|initiate|use|choose|select|recommend)\b"
    r"|\b(?:l['’]antidote|le\s+traitement|le\s+diagnostic|la\s+cause|la\s+réponse|el\s+antídoto|el\s+tratamiento"
    r"|el\s+diagnóstico|la\s+causa|la\s+respuesta)\s+(?:est|es|serait|sería)\b"
)
NEGATIVE_CUES = re.compile(
    r"(?i)\b(?:not|no|never|neither|nor|contraindicated|avoid\w*|incorrect|wrong|unsafe|inappropriate"
    r"|worsen\w*|excessive|risky|harmful|dangerous|unlikely|less|ineffective|unnecessary|insufficient"
    r"|instead|rather|rule[sd]?\s+out|ruled\s+out|eliminat\w*|exclud\w*|inferior|except|unless|if)\b|n['’]t\b"
)

# option_review: the verdict a review line gives an option ("A. Diltiazem: incorrect", "a 正しい。").
VERDICT_YES = (r"correct|true|right|yes|correcte|correcta|correto|vrai|verdadero|richtig|सही|正しい|正确|正確|正解"
               r"|对|○|◯|✓|✔|✅")
VERDICT_NO = (r"incorrect|not\s+correct|false|wrong|no|incorrecte|incorrecta|incorreto|faux|fausse|falso|falsch"
              r"|गलत|誤り|誤っている|错误|錯誤|不正确|不对|×|✗|✘|❌")

# Polite endings after an option's text in Japanese ("e: ヘパリンです").
TRAILING_COPULA = re.compile(r"(?:です|である|だ|となります)[。.]?$")
