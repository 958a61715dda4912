"""FieldMap: which field of a user's own MCQ file holds what (see clinreason.data.generic).

Parsed from a one-line spec (`question=Q,options=A|B|C|D,answer=Ans:letter,...`) so a file loads
with no code; its shorthands (`answer=Ans:text`, `language=Lang`) are resolved here, once.
"""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError, field_validator, model_validator

from ..items import TaskType

ANSWER_KINDS = ("auto", "letter", "text", "index0", "index1")
_CODE = re.compile(r"^[A-Za-z]{2,3}(?:[-_][A-Za-z0-9]{2,8})*$")
LANGUAGE_NAMES = {
    "english": "en", "french": "fr", "français": "fr", "francais": "fr", "spanish": "es", "español": "es",
    "espanol": "es", "chinese": "zh", "中文": "zh", "japanese": "ja", "日本語": "ja", "hindi": "hi", "हिन्दी": "hi",
    "german": "de", "deutsch": "de", "italian": "it", "portuguese": "pt", "korean": "ko", "arabic": "ar", "russian": "ru",
}


def language_code(value: str) -> str | None:
    """"fr", "pt_BR", "French" -> "fr", "pt-br", "fr"; None for anything else."""
    text = value.strip()
    if _CODE.match(text):
        return text.lower().replace("_", "-")
    return LANGUAGE_NAMES.get(text.casefold())


class FieldMap(BaseModel):
    """Which field (JSON key or CSV/TSV column) holds what."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    question: str
    # One name: a field holding {letter: text} or a list. Several: one column per option, lettered A, B, ...
    options: tuple[str, ...] = ()
    # A letter, an option's text, or the option's position: see answer_kind.
    answer: str
    # How the answer is written: "auto" (a letter, else an option's text), "letter", "text", "index0", "index1".
    # FieldMap.parse reads it from a suffix: answer=Ans:text.
    answer_kind: Literal["auto", "letter", "text", "index0", "index1"] = "auto"
    id: str | None = None  # default: the line number (record number in a .json file)
    context: str | None = None
    explanation: str | None = None
    meta: tuple[str, ...] = ()  # extra fields copied into Item.metadata
    answer_index_base: Literal[0, 1] | None = None
    task: Literal[TaskType.mcq, TaskType.yes_no_maybe] = TaskType.mcq
    language: str = "en"  # the language of every record (a code), unless language_field gives one per record
    language_field: str | None = None  # a column holding each record's language (blank: `language`)

    @model_validator(mode="before")
    @classmethod
    def _shorthands(cls, data: Any) -> Any:
        """answer=Ans:text -> answer=Ans, answer_kind=text; language=Lang (not a code) -> language_field=Lang;
        answer_index_base=1 -> answer_kind=index1."""
        if not isinstance(data, dict):
            return data
        data = dict(data)
        answer = data.get("answer")
        if isinstance(answer, str):
            column, sep, kind = answer.rpartition(":")
            if sep and column.strip() and kind.strip().lower() in ANSWER_KINDS:
                if data.get("answer_kind", "auto") not in ("auto", kind.strip().lower()):
                    raise ValueError(f"answer {answer!r} and answer_kind={data['answer_kind']!r} disagree")
                data["answer"], data["answer_kind"] = column.strip(), kind.strip().lower()
        base = data.get("answer_index_base")
        if base is not None and base in (0, 1):
            kind = data.get("answer_kind", "auto")
            if kind not in ("auto", f"index{base}"):
                raise ValueError(f"answer_index_base={base} and answer kind {kind!r} disagree")
            data["answer_kind"] = f"index{base}"
        elif base is None and data.get("answer_kind") in ("index0", "index1"):
            data["answer_index_base"] = int(data["answer_kind"][-1])
        language = data.get("language")
        if isinstance(language, str) and language.strip():
            code = language_code(language)
            if code is None:
                if data.get("language_field"):
                    raise ValueError(f"language {language!r} is not a language code (like 'fr' or 'pt-BR')")
                data["language_field"], data["language"] = language.strip(), "en"
            else:
                data["language"] = code
        return data

    @field_validator("options", "meta", mode="before")
    @classmethod
    def _split(cls, value: Any) -> Any:  # FieldMap(options="A|B|C") as well as options=("A", "B", "C")
        return tuple(v.strip() for v in value.split("|")) if isinstance(value, str) else value

    @model_validator(mode="after")
    def _needs_options(self) -> FieldMap:
        if self.task == TaskType.mcq and not self.options:
            raise ValueError("an mcq file needs options=FIELD (a dict/list field) or options=COL1|COL2|...")
        return self

    @property
    def index_base(self) -> int | None:
        return {"index0": 0, "index1": 1}.get(self.answer_kind)

    @classmethod
    def parse(cls, spec: str) -> FieldMap:
        """`question=Q,options=A|B|C|D,answer=Ans[:letter|:text|:index0|:index1]` plus optional `id=`,
        `context=`, `explanation=`, `meta=s|t`, `answer_index_base=0|1`, `task=yes_no_maybe`,
        `language=CODE` or `language=COLUMN` (`language_field=COLUMN`). Names may not contain , or |."""
        values: dict[str, Any] = {}
        for part in filter(None, (p.strip() for p in spec.split(","))):
            key, sep, value = (s.strip() for s in part.partition("="))
            if not sep or not key or not value:
                raise ValueError(f"fields {spec!r}: {part!r} is not NAME=VALUE")
            if key not in cls.model_fields:
                raise ValueError(f"fields {spec!r}: unknown name {key!r}; known: {', '.join(cls.model_fields)}")
            if key in values:
                raise ValueError(f"fields {spec!r}: {key!r} given twice")
            # "1" -> 1 for answer_index_base; everything else is text for the validators.
            values[key] = int(value) if key == "answer_index_base" and value.isdigit() else value
        try:
            return cls(**values)
        except ValidationError as e:
            err = e.errors()[0]
            where = ".".join(str(p) for p in err["loc"])
            raise ValueError(f"fields {spec!r}: {where + ': ' if where else ''}{err['msg']}") from None

    def columns(self) -> list[str]:
        named = [self.question, *self.options, self.answer, self.id, self.context, self.explanation, *self.meta,
                 self.language_field]
        return [c for c in named if c]
