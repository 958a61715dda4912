"""Entity linking by name: find the graph's node names (and synonyms) in a question or an option.

Names and text are normalised the same way (case, possessive 's, punctuation, simple plurals), and
matched as whole token sequences; overlapping matches go to the longest. Two guards keep common
words from linking: names that normalise to a stop-like word (or fewer than 3 characters) are not
indexed, and gene symbols (CAT, MET, SET, ...) only match written in capitals, as symbols are."""

from __future__ import annotations

import re
from dataclasses import dataclass

_TOKEN = re.compile(r"[a-z0-9]+")
_SYMBOL = re.compile(r"[A-Za-z0-9][A-Za-z0-9-]*[A-Za-z0-9]")
MAX_NAME_TOKENS = 8  # longer names practically never occur verbatim in a question
CASE_SENSITIVE_KINDS = frozenset({"Gene"})
# Kinds no question names in words and no path runs through (Hetionet's GO terms and pathways):
# linking them would only add endpoints without paths.
UNLINKED_KINDS = frozenset({"Biological Process", "Cellular Component", "Molecular Function", "Pathway"})
# When one name belongs to several nodes, the more clinical kind comes first.
KIND_ORDER = ("Disease", "Compound", "Symptom", "Pharmacologic Class", "Anatomy", "Side Effect", "Gene")

# Words that are node names in Hetionet (side effects, anatomy, symptoms, classes) but in a question
# are ordinary English or say too little to ground anything (checked against MedQA vignettes). Bare
# organs are here too: "liver" alone links an organ whose neighbours are dozens of diseases, which
# grounds nothing; multi-word names that contain them ("liver cirrhosis") still link.
STOP_NAMES = frozenset("""
a an and are as at be by for from has have he her his in is it its of on or she that the their this to was were
which with who what when where will not no yes all any each other than then there these those into over under
after before during about above below up down out off again further once here only own same so too very can
just should now also may might must would could patient patients man woman men women boy girl child children
infant year old age day week month hour minute history examination exam presents present presentation finding
findings test result results normal abnormal left right high low increase increased decrease decreased level
levels rate time other type form area side cell cells tissue blood body system structure organ part region
sign signs symptom symptoms disease diseases disorder disorders condition syndrome injury drug drugs agent
agents treatment therapy death pain fall falls shock mass lesion growth weight temperature pressure pulse
fluid water air heat cold light sound smell taste touch vision hearing speech movement behavior behaviour
sleep memory development function activity response reaction infection inflammation swelling fever
general adverse effect effects event events failure disorder problem problems complication complications
mouth head face neck back skin hair nail nails arm arms leg legs hand hands foot feet eye eyes ear ears nose
chest abdomen heart lung lungs liver kidney bone bones joint joints muscle muscles nerve brain stomach
milk food alcohol oxygen sodium potassium calcium iron glucose protein vitamin
tenderness pregnancy surgery trauma accident wound distress stress gas pco2 po2 fasting fear crying immobile
discomfort tension warmth ache aches menarche hypertensive diabetic redness urea creatine sexually active
disease progression foreign body
""".split()) | frozenset({"sexually active", "disease progression", "foreign body", "birth weight"})
# Gene symbols that vignettes use for something else (PIP joints, number needed to treat, ...).
STOP_SYMBOLS = frozenset({"PIP", "DIP", "MCP", "NNT", "TRAP", "CAT", "MET", "SET", "MAX", "REST", "ATM", "CAD", "ACE"})
# Anatomy named by one word ("artery", "knee", "uterus") links to an organ with dozens of diseases
# and grounds nothing; two-word anatomy ("renal pelvis", "ulnar nerve") is specific enough.
MIN_TOKENS = {"Anatomy": 2}



def singular(token: str) -> str:
    """A crude plural fold, applied to names and text alike (so only consistency matters)."""
    if len(token) > 4 and token.endswith("ies"):
        return token[:-3] + "y"
    if len(token) > 3 and token.endswith("s") and not token.endswith(("ss", "us", "is", "os", "as")):
        return token[:-1]
    return token


def normalise(text: str) -> list[str]:
    text = text.lower().replace("\u2019", "'").replace("'s ", " ").replace("'s", "")
    return [singular(t) for t in _TOKEN.findall(text)]


@dataclass(frozen=True)
class Mention:
    """A stretch of text that names one or more nodes (several when nodes share a name)."""

    text: str
    start: int
    end: int
    nodes: tuple[str, ...]


def _linkable(tokens: tuple[str, ...], kind: str) -> bool:
    if len(tokens) < MIN_TOKENS.get(kind, 1) or len(tokens) > MAX_NAME_TOKENS:
        return False
    if all(t in STOP_NAMES or t.isdigit() for t in tokens) or " ".join(tokens) in STOP_NAMES:
        return False
    return len(" ".join(tokens)) >= 3


class Linker:
    """A name index over (node id, name, kind) triples; `link(text)` -> mentions, longest first wins."""

    def __init__(self, names: list[tuple[str, str, str]]):
        by_tokens: dict[tuple[str, ...], dict[str, str]] = {}
        symbols: dict[str, dict[str, str]] = {}
        for node, name, kind in names:
            if kind in UNLINKED_KINDS:
                continue
            if kind in CASE_SENSITIVE_KINDS or _SYMBOL.fullmatch(name) and name.isupper():
                if len(name) >= 3 and name not in STOP_SYMBOLS and name.lower() not in STOP_NAMES:
                    symbols.setdefault(name, {})[node] = kind
                continue
            tokens = tuple(normalise(name))
            if _linkable(tokens, kind):
                by_tokens.setdefault(tokens, {})[node] = kind
        rank = {kind: i for i, kind in enumerate(KIND_ORDER)}

        def ordered(nodes: dict[str, str]) -> tuple[str, ...]:
            return tuple(sorted(nodes, key=lambda n: (rank.get(nodes[n], len(rank)), n)))

        self.index = {tokens: ordered(nodes) for tokens, nodes in by_tokens.items()}
        self.symbols = {symbol: ordered(nodes) for symbol, nodes in symbols.items()}
        self.longest = max((len(t) for t in self.index), default=0)

    def __len__(self) -> int:
        return len(self.index) + len(self.symbols)

    def lookup(self, name: str) -> tuple[str, ...]:
        """Nodes whose name (or synonym) is exactly `name`, up to normalisation; () if none."""
        return self.symbols.get(name.strip()) or self.index.get(tuple(normalise(name)), ())

    def link(self, text: str) -> list[Mention]:
        """Non-overlapping mentions in text order; where matches overlap the longer one wins."""
        spans, tokens = [], []
        lowered = text.lower().replace("\u2019", "'")
        for match in _TOKEN.finditer(lowered):
            if match.group() == "s" and match.start() > 0 and lowered[match.start() - 1] == "'":
                continue  # the possessive 's, dropped as normalise() drops it
            spans.append((match.start(), match.end()))
            tokens.append(singular(match.group()))
        candidates = []  # (tokens covered, start token, end token, nodes)
        for i in range(len(tokens)):
            for n in range(min(self.longest, len(tokens) - i), 0, -1):
                nodes = self.index.get(tuple(tokens[i:i + n]))
                if nodes:
                    candidates.append((n, i, i + n, nodes))
                    break  # the longest match starting here; shorter ones inside it cannot win
        chosen, taken = [], set()
        for n, i, j, nodes in sorted(candidates, key=lambda c: (-c[0], c[1])):
            if taken.isdisjoint(range(i, j)):
                taken.update(range(i, j))
                chosen.append(Mention(text[spans[i][0]:spans[j - 1][1]], spans[i][0], spans[j - 1][1], nodes))
        covered = [(m.start, m.end) for m in chosen]
        for match in _SYMBOL.finditer(text):
            nodes = self.symbols.get(match.group())
            if nodes and not any(s < match.end() and match.start() < e for s, e in covered):
                chosen.append(Mention(match.group(), match.start(), match.end(), nodes))
        return sorted(chosen, key=lambda m: m.start)
