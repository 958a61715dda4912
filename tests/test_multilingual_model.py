"""Every new loader end to end on the embedded SmolLM2 model, each in its own language, through the real CLI:
`clinreason run <bench> -n 5 --method direct -p max_tokens=16`. Asserted: all 5 items done without
errors, and the prompts stored in calls.messages are in the benchmark's language (the localized system
line, direct instruction and answer-format line, which keeps the `ANSWER:` token). Accuracy is not asserted
(a 135M model is near chance). About 20-40 s per benchmark on a shared 2-core machine."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys

import pytest

pytestmark = pytest.mark.model

# benchmark -> (system phrase, direct instruction, answer-format phrase) of its language
PHRASES = {
    "igakuqa": ("医学の専門家", "答えだけを示してください", '最後の行は "ANSWER: X"'),
    "igakuqa_en": ("careful medical expert", "Give only the answer", 'End your reply with a final line of the form "ANSWER: X'),
    "frenchmedmcqa": ("expert médical", "Donnez uniquement la réponse", 'Terminez votre réponse par une dernière ligne de la forme "ANSWER: X'),
    "headqa": ("experto médico", "Da solo la respuesta", 'Termina tu respuesta con una última línea de la forma "ANSWER: X"'),
    "cmmlu": ("医学专家", "只给出答案", '最后一行请写成 "ANSWER: X"'),
    "mmlu_fr": ("expert médical", "Donnez uniquement la réponse", '"ANSWER: X", où X est la lettre'),
    "mmlu_es": ("experto médico", "Da solo la respuesta", '"ANSWER: X", donde X es la letra'),
    "mmlu_hi": ("चिकित्सा विशेषज्ञ", "केवल उत्तर दें", '"ANSWER: X" के रूप में लिखें'),
    "medxpertqa": ("careful medical expert", "Give only the answer", '"ANSWER: X", where X is the letter of one option'),
}


@pytest.mark.parametrize("bench", list(PHRASES))
def test_five_items_in_their_language(tmp_path, shared_data, bench):
    out = tmp_path / "results"
    proc = subprocess.run(
        [sys.executable, "-m", "clinreason", "run", bench, "-n", "5", "--method", "direct", "-p", "max_tokens=16",
         "--out", str(out), "--json"],
        capture_output=True, text=True, timeout=600, cwd=tmp_path, env={**os.environ, "CLINREASON_DATA": str(shared_data)},
    )
    assert proc.returncode == 0, proc.stderr[-3000:]
    (summary_file,) = (out / "runs").glob("*.json")
    summary = json.loads(summary_file.read_text())
    assert summary["benchmark"] == bench and summary["n_done"] == 5 and summary["errors"] == 0
    with sqlite3.connect(out / "clinreason.db") as db:
        prompts = [json.loads(m) for (m,) in db.execute("SELECT messages FROM calls WHERE run_id = ?", (summary["run_id"],))]
    assert len(prompts) == 5
    system_phrase, instruction, answer_line = PHRASES[bench]
    for messages in prompts:
        assert [m["role"] for m in messages] == ["system", "user"]
        assert system_phrase in messages[0]["content"]
        assert instruction in messages[1]["content"] and answer_line in messages[1]["content"]
        assert messages[1]["content"].rstrip().splitlines()[-1].count("ANSWER:") == 1
