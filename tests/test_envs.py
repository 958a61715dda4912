"""clinreason.envs: verifiers (v1) environments over clinreason benchmarks. Completions are scored
through verifiers' own scoring path (`Task.score(trace)` on a `vf.Trace` holding the reply), and
every reward must equal clinreason.rewards.grade of the same text."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from types import SimpleNamespace

import pytest

vf = pytest.importorskip("verifiers.v1", reason="verifiers >= 0.4 not installed (pip install 'clinreason[train]')")
from verifiers.v1.graph import MessageNode  # noqa: E402

from clinreason.envs import load_environment, require_verifiers  # noqa: E402
from clinreason.rewards import grade, item_from_gold  # noqa: E402


def make_trace(task, *replies: str, users: tuple[str, ...] = ()) -> vf.Trace:
    """A finished trace of `task`: its prompt, then the assistant replies (user turns between)."""
    nodes = [MessageNode(message=vf.UserMessage(content=task.data.prompt_text))]
    for i, reply in enumerate(replies):
        if i:
            nodes.append(MessageNode(parent=len(nodes) - 1, message=vf.UserMessage(content=users[i - 1])))
        nodes.append(MessageNode(parent=len(nodes) - 1, message=vf.AssistantMessage(content=reply), sampled=True))
    return vf.Trace(task=vf.TraceTask(type=type(task).__name__, data=task.data),
                    agent=vf.AgentInfo(config=vf.AgentConfig()), nodes=nodes)


def score(task, text: str) -> vf.Trace:
    trace = make_trace(task, text)
    asyncio.run(task.score(trace))
    return trace


def clinreason_grade(task, text: str) -> float:
    return grade(text, item_from_gold(task.data.gold))


def test_medqa_environment_scores_right_and_wrong(shared_data):
    env = load_environment(benchmark="medqa", limit=3, data_dir=shared_data)
    assert isinstance(env, vf.Env)
    tasks = list(env.taskset)
    assert len(tasks) == 3
    for task in tasks:
        gold = task.data.gold
        assert gold["answer_format"] == "letter" and task.data.prompt_text
        wrong = next(letter for letter in gold["options"] if letter != gold["answer"])
        right = score(task, f"The findings point to one option.\nANSWER: {gold['answer']}")
        bad = score(task, f"The findings point to one option.\nANSWER: {wrong}")
        assert right.rewards["correct"].score == 1.0 == clinreason_grade(task, f"x\nANSWER: {gold['answer']}")
        assert bad.rewards["correct"].score == 0.0 == clinreason_grade(task, f"x\nANSWER: {wrong}")
        # Optional rewards are recorded at weight 0: the total is the correctness grade alone.
        assert right.reward == 1.0 and bad.reward == 0.0
        assert right.info["clinreason"]["rule"] == "format" and right.metrics["answered"] == 1.0


def test_unreadable_completion_scores_zero_like_the_grade(shared_data):
    task = next(iter(load_environment(benchmark="medqa", limit=1, data_dir=shared_data).taskset))
    for text in ("", "I cannot decide.", "ANSWER: Z"):
        trace = score(task, text)
        assert trace.rewards["correct"].score == 0.0 == clinreason_grade(task, text)
        assert trace.metrics["answered"] == 0.0


def test_format_weights_add_to_the_reward(shared_data):
    env = load_environment(benchmark="medqa", method="direct", limit=1, data_dir=shared_data, strict_format=0.5,
                           think_format=0.25)
    task = next(iter(env.taskset))
    answer = task.data.gold["answer"]
    assert score(task, f"ANSWER: {answer}").reward == pytest.approx(1.5)  # correct + strict line
    assert score(task, f"<think>weighing options</think>\nANSWER: {answer}").reward == pytest.approx(1.75)
    assert score(task, f"My answer is {answer}").reward == pytest.approx(1.0)  # right, not in the format
    assert task.data.method == "direct"


def test_medcalc_number_within_tolerance(shared_data):
    tasks = list(load_environment(benchmark="medcalc_bench", limit=5, data_dir=shared_data).taskset)
    task = next(t for t in tasks if t.data.gold["answer_format"] == "number")
    tol = task.data.gold["tolerance"]
    inside = (tol["lower"] + tol["upper"]) / 2
    outside = tol["upper"] + abs(tol["upper"]) + 10
    for value, expected in ((inside, 1.0), (tol["lower"], 1.0), (outside, 0.0)):
        text = f"Computed from the note.\nANSWER: {value:g}"
        assert score(task, text).rewards["correct"].score == expected == clinreason_grade(task, text)


def test_multi_answer_item(shared_data):
    tasks = list(load_environment(benchmark="frenchmedmcqa", data_dir=shared_data).taskset)
    task = next(t for t in tasks if t.data.gold["answer_format"] == "letters" and len(t.data.gold["answer"]) >= 3)
    letters = [c for c in task.data.gold["answer"] if c.isalpha()]
    full, partial = "ANSWER: " + ", ".join(letters), "ANSWER: " + letters[0]
    assert score(task, full).rewards["correct"].score == 1.0 == clinreason_grade(task, full)
    trace = score(task, partial)
    assert trace.rewards["correct"].score == 0.0 == clinreason_grade(task, partial)
    assert 0.0 < trace.metrics["hamming"] < 1.0


def test_verifiers_loader_finds_the_taskset_and_env(shared_data):
    config = vf.resolve_env_config({"taskset": {"id": "clinreason-items", "benchmark": "pubmedqa", "limit": 2,
                                                "data_dir": str(shared_data)}})
    env = vf.load_environment(config)
    assert type(env).__name__ == "ItemsEnv" and isinstance(env, vf.SingleAgentEnv)
    assert env.config.agent.harness.id == "null" and env.config.agent.max_turns == 1
    task = next(iter(env.taskset))
    assert task.data.gold["answer_format"] == "yes_no_maybe"
    text = f"ANSWER: {task.data.gold['answer']}"
    assert score(task, text).rewards["correct"].score == 1.0 == clinreason_grade(task, text)


def test_plugged_reward_on_a_plain_task():
    """The adapter as verifiers plugs a function: `task` is the TaskData, `trace` the finished trace."""
    gold = {"answer": "C", "answer_format": "letter", "options": {"A": "a", "B": "b", "C": "c"}}
    config = vf.TaskConfig(rewards={"clin_strict": {"fn": "clinreason.envs.rewards:strict_format", "weight": 0.3},
                                    "clin_correct": {"fn": "clinreason.envs.rewards:correct"}})
    task = vf.Task(vf.WireTaskData(prompt="Pick one.", gold=gold), config)
    trace = make_trace(task, "Because.\nANSWER: C")
    asyncio.run(task.score(trace))
    assert trace.rewards["clin_correct"].score == 1.0 and trace.rewards["clin_strict"].score == 1.0
    assert trace.reward == pytest.approx(1.3)


@pytest.mark.parametrize("kwargs, field", [
    ({"benchmark": "no_such_bench"}, "benchmark"),
    ({"benchmark": "medqa", "subset": "nope"}, "subset"),
    ({"benchmark": "medqa", "method": "medprompt"}, "method"),
    ({"benchmark": "medqa", "limit": 0}, "limit"),
    ({"benchmark": "medqa", "strict_format": -1.0}, "strict_format"),
    ({"benchmark": "medrbench"}, "cannot be graded"),
    ({"benchmark": "agentclinic"}, "cannot be graded"),  # medqa subset: free-text diagnoses
])
def test_bad_arguments_are_named(shared_data, kwargs, field):
    with pytest.raises(ValueError, match=field):
        load_environment(data_dir=shared_data, **kwargs)


def test_missing_verifiers_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "verifiers.v1", None)
    with pytest.raises(ImportError, match="pip install"):
        require_verifiers()


class ScriptedDoctor:
    """Stands in for verifiers' agent seat: plays fixed replies and, like a real interaction,
    scores the task on the trace when the exchange closes (Task.score)."""

    def __init__(self, replies):
        self.replies, self.heard, self.trace = list(replies), [], None

    @contextlib.asynccontextmanager
    async def interaction(self, task):
        doctor = self
        said: list[str] = []

        class Chat:
            trace = None

            async def turn(self, message=None):
                if message is not None:
                    doctor.heard.append(message)
                if not doctor.replies:
                    return vf.Segment(messages=[], terminated=True)
                said.append(doctor.replies.pop(0))
                self.trace = make_trace(task, *said, users=tuple(doctor.heard))
                return vf.Segment(messages=[vf.AssistantMessage(content=said[-1])])

        chat = Chat()
        yield chat
        self.trace = chat.trace
        await task.score(self.trace)


def run_episode(env, task, replies):
    doctor = ScriptedDoctor(replies)
    asyncio.run(env.run(task, SimpleNamespace(doctor=doctor)))
    return doctor


def test_consultation_episode_asks_the_patient_then_is_graded(shared_data):
    env = load_environment(benchmark="mediq", limit=2, max_turns=4, data_dir=shared_data)
    assert type(env).__name__ == "ConsultEnv"
    task = next(t for t in env.taskset if t.data.facts)
    answer = task.data.gold["answer"]
    doctor = run_episode(env, task, ["QUESTION: How old are you?", f"ANSWER: {answer}", "unused"])
    assert len(doctor.heard) == 1 and doctor.heard[0].startswith("Patient:")
    assert doctor.trace.rewards["correct"].score == 1.0 == clinreason_grade(task, f"ANSWER: {answer}")
    assert doctor.trace.metrics["questions"] == 1.0 and doctor.trace.metrics["turns"] == 2.0
    assert doctor.replies == ["unused"]  # the episode ended at the answer

    wrong = next(letter for letter in task.data.gold["options"] if letter != answer)
    doctor = run_episode(env, task, [f"ANSWER: {wrong}"])
    assert doctor.trace.rewards["correct"].score == 0.0 and doctor.heard == []


def test_consultation_last_turn_is_read_as_the_answer(shared_data):
    env = load_environment(benchmark="mediq", limit=1, max_turns=3, data_dir=shared_data)
    task = next(iter(env.taskset))
    answer = task.data.gold["answer"]
    final = f"Is it {answer}? Yes, I would go with {answer}."  # read as a question, were it not the last turn
    doctor = run_episode(env, task, ["Do you have a fever?", "Any pain?", final, "never"])
    assert len(doctor.heard) == 2 and doctor.replies == ["never"]
    assert "ANSWER:" in doctor.heard[-1] and "ANSWER:" not in doctor.heard[0]  # asked to answer on the last turn
    assert doctor.trace.rewards["correct"].score == 1.0
    # Never committing (questions only, fewer turns than allowed) earns nothing.
    doctor = run_episode(env, task, ["Do you have a fever?"])
    assert doctor.trace.rewards["correct"].score == 0.0


def test_agentclinic_nejm_consultation_loads(shared_data):
    env = load_environment(benchmark="agentclinic", subset="nejm", limit=2, data_dir=shared_data)
    task = next(iter(env.taskset))
    assert task.data.strategy == "agentclinic" and task.data.gold["answer_format"] == "letter"
    doctor = run_episode(env, task, ["REQUEST TEST: Biopsy", f"DIAGNOSIS READY: {task.data.gold['answer']}"])
    assert doctor.heard[0].startswith("Measurement:") and doctor.trace.metrics["tests"] == 1.0
    assert doctor.trace.rewards["correct"].score == 1.0


def test_a_fresh_process_finds_the_tasksets_by_id(shared_data):
    # verifiers imports a taskset id as a top-level module: `clinreason-items` -> clinreason_items, with no
    # clinreason module imported first (as `vf-eval clinreason-items` would).
    import subprocess
    import sys

    code = ("import verifiers.v1 as vf\n"
            "for tid, bench in (('clinreason-items', 'medqa'), ('clinreason-consult', 'mediq')):\n"
            "    config = vf.resolve_env_config({'taskset': {'id': tid, 'benchmark': bench, 'limit': 1,\n"
            f"                                                'data_dir': {str(shared_data)!r}}}}})\n"
            "    env = vf.load_environment(config)\n"
            "    print(tid, type(env).__name__, len(list(env.taskset)))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr[-2000:]
    assert "clinreason-items ItemsEnv 1" in out.stdout and "clinreason-consult ConsultEnv 1" in out.stdout
