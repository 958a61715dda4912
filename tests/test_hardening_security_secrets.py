"""A secret in the model URL (a userinfo password, an api_key/key/token query parameter) reaches
the server in a header and nothing else: not the store (.db, -wal), run summaries, grid files,
the report, any export or the console. The real CLI runs against the fault server and every
output is grepped for the secret."""

from __future__ import annotations

import base64
import hashlib
import json
import os
import secrets
import subprocess
import sys

import pytest

from clinreason.testing.fault_server import FaultServer


@pytest.mark.parametrize("text, public", [
    ("http://alice:s3cret@host/v1", "http://alice:[REDACTED]@host/v1"),
    ("openai-compat:https://alice:p%40ss@h.example:8443/v1#m", "openai-compat:https://alice:[REDACTED]@h.example:8443/v1#m"),
    ("http://alice:p@ss@host/v1", "http://alice:[REDACTED]@host/v1"),  # an unencoded @ in the password
    ("http://sk-token@host/v1", "http://[REDACTED]@host/v1"),  # a bare userinfo may itself be the key
    ("https://h/v1?api_key=K1&api-version=2024-06-01", "https://h/v1?api_key=[REDACTED]&api-version=2024-06-01"),
    ("openai-compat:http://h/v1?key=K2#m", "openai-compat:http://h/v1?key=[REDACTED]#m"),
    ("http://h/v1?token=T&x=1&access_token=A&X-Api-Key=B&sig=S",
     "http://h/v1?token=[REDACTED]&x=1&access_token=[REDACTED]&X-Api-Key=[REDACTED]&sig=[REDACTED]"),
    ("openai-compat:http://127.0.0.1:8000/v1#my-model", "openai-compat:http://127.0.0.1:8000/v1#my-model"),
    ("smollm2", "smollm2"),
    ("ollama:llama3:8b", "ollama:llama3:8b"),
    ("gguf:/home/me@lab/models/x.gguf", "gguf:/home/me@lab/models/x.gguf"),
])
def test_redact_url(text, public):
    from clinreason.redact import public_spec, redact_url

    assert redact_url(text) == public
    assert redact_url(public) == public  # idempotent
    assert public_spec(text) == public


def test_load_model_identity_is_public_and_query_keys_are_refused():
    from clinreason.errors import ModelError
    from clinreason.models import load_model

    model = load_model("openai-compat:http://alice:hunter2@127.0.0.1:9/v1#m")
    assert "hunter2" not in model.identity and model.identity == "openai-compat:http://alice:[REDACTED]@127.0.0.1:9/v1#m"
    with pytest.raises(ModelError) as err:
        load_model("openai-compat:http://127.0.0.1:9/v1?api_key=QKEY123#m")
    assert "QKEY123" not in str(err.value) and "--api-key-env" in str(err.value)


def test_url_secrets_never_reach_any_output(tmp_path):
    password = "pw-" + secrets.token_hex(12)
    role_password = "rpw-" + secrets.token_hex(12)
    query_key = "qk-" + secrets.token_hex(12)
    needles = [password, role_password, query_key,
               base64.b64encode(f"alice:{password}".encode()).decode(),
               base64.b64encode(f"bob:{role_password}".encode()).decode()]
    env = {**os.environ, "COLUMNS": "200"}
    data = tmp_path / "items.jsonl"
    data.write_text("".join(json.dumps({"question": f"URL secret question {i}?", "answer": "ABCD"[i % 4],
                                        "options": {"A": "a", "B": "b", "C": "c", "D": "d"}}) + "\n"
                            for i in range(3)))
    out = tmp_path / "results"
    logs: list[str] = []

    def clinreason(*args: str, code: int = 0) -> subprocess.CompletedProcess:
        done = subprocess.run([sys.executable, "-m", "clinreason", *args], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=180)
        logs.extend([done.stdout, done.stderr])
        assert done.returncode == code, done.stdout[-2000:] + done.stderr[-2000:]
        return done

    server = FaultServer(faults=["500", "400"], lifetime_s=180)
    with server as url:
        host = url.removeprefix("http://")
        spec = f"openai-compat:http://alice:{password}@{host}#fault"
        role = f"helper=openai-compat:http://bob:{role_password}@{host}#fault"
        run = ["run", str(data), "-m", spec, "--method", "direct", "--out", str(out), "--role", role]
        clinreason(*run, "--json")
        clinreason(*run, "--retry-errors")
        clinreason(*run, "--run-name", "named", "--no-cache")
        clinreason("grid", "-b", str(data), "--methods", "direct", "-m", spec, "--out", str(out), "--name", "g")
        for param in ("api_key", "key", "token"):
            refused = clinreason("run", str(data), "-m", f"openai-compat:{url}?{param}={query_key}#fault",
                                 "--method", "direct", "--out", str(out), code=2)
            assert "--api-key-env" in refused.stderr
    # The password really was sent (as Basic auth, from the URL), so finding nothing below means something.
    assert hashlib.sha256(f"Basic {needles[3]}".encode()).hexdigest() in server.auth_hashes

    from clinreason.store import Store

    store = Store(out)
    runs = store.list_runs()
    open_files = [p for p in out.rglob("*") if p.is_file()]  # the -wal and -shm too, while open
    for needle in needles:
        for path in open_files:
            assert needle.encode() not in path.read_bytes(), f"URL secret found in {path}"
    assert {r["model_identity"] for r in runs} == {f"openai-compat:http://alice:[REDACTED]@{host}#fault"}
    assert all(r["model"] == f"openai-compat:http://alice:[REDACTED]@{host}#fault" for r in runs)
    store.close()

    run_ids = [r["id"] for r in runs]
    clinreason("show", "--out", str(out))
    for run_id in run_ids:
        clinreason("show", run_id, "--out", str(out))
        clinreason("show", run_id, "--out", str(out), "--json")
    clinreason("report", "--all", "-r", str(out), "-o", str(tmp_path / "report.html"))
    for suffix in ("jsonl", "csv", "parquet"):
        clinreason("export", "--all", "-r", str(out), "-o", str(tmp_path / f"export.{suffix}"))

    files = [p for p in tmp_path.rglob("*") if p.is_file()]
    names = {p.name for p in files}
    assert {"clinreason.db", "report.html", "export.parquet", "g.csv", "g.json", "named.json"} <= names
    for needle in needles:
        for path in files:
            assert needle.encode() not in path.read_bytes(), f"URL secret found in {path}"
        for log in logs:
            assert needle not in log, "URL secret found in console output"
