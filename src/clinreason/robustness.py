"""Robustness probes of a stored run: the same model, method, parameters, roles and scorers on the
run's items transformed by each probe (probes/), each probe an ordinary stored run (resumable, its
items naming their source and transform), then paired with the base run by source item.

What a probe row says: accuracy on the derived items, the drop against the base run on the same
source items with a paired interval (source items resampled whole: a probe may derive several items
from one), how often the answer changed in meaning (read back into the source's letters), how often
the model took the wrong option a probe pointed at, and how many items the probe could not apply to."""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from .engine import DEFAULT_SCORERS, RunPlan
from .grading.paired import compare_pairs, run_pairs
from .methods import build_method
from .paired_runs import run_side
from .probes import PROBES, derive_all
from .redact import check_name


@dataclass
class ProbePlan:
    probe: str
    plan: RunPlan | None  # None when the probe applies to no item
    n_source: int  # base items offered to the probe
    skipped: Counter = field(default_factory=Counter)  # reason -> items


def base_settings(store, run_id: str) -> dict:
    """What a probe run copies from its base run, read from the run's record."""
    run = store.get_run(run_id)
    config = run["config"] or {}
    if config.get("probe_of"):
        raise ValueError(f"run {run_id} is itself a probe run (of {config['probe_of']}): probe its base run")
    params = dict(config.get("method") or {})
    name = params.pop("method", None) or run["method"]
    roles = {role: (r.get("spec") if isinstance(r, dict) else r) for role, r in (config.get("roles") or {}).items()}
    return {"run": run, "method": name, "params": params, "seed": int(config.get("seed", 0)), "roles": roles,
            "scorers": tuple(config.get("scorers") or DEFAULT_SCORERS),
            "knowledge": {k: config[k] for k in ("corpora", "graph") if k in config},
            "transform": config.get("transform")}


def plan_probes(store, base_id: str, names: list[str], *, seed: int = 0, limit: int | None = None,
                model_spec: str | None = None, corpora: tuple[str, ...] = (), graph: str | None = None,
                data_dir: str | None = None, pool_loader=None) -> list[ProbePlan]:
    """One plan per probe on the base run's items (the first `limit`). `model_spec` overrides the
    recorded (public) spec, for a URL whose secret was redacted. `pool_loader(benchmark, subset,
    items)` gives the exemplar pool of few-shot methods."""
    names = [PROBES.canonical(n) for n in names]  # an unknown name fails here, before any model loads
    if "interactive" in names:
        raise ValueError("probe 'interactive' changes the method (episodes): use `clinreason run --interactive`")
    s = base_settings(store, base_id)
    run = s["run"]
    all_items = store.run_items(base_id)
    items = all_items[:limit] if limit else all_items
    out = []
    for name in names:
        derived, skipped = derive_all(PROBES.get(name)(), items, seed, pool=all_items)
        if not derived:
            out.append(ProbePlan(name, None, len(items), skipped))
            continue
        method = build_method(s["method"], s["params"], seed=s["seed"])
        extra = {"probe": name, "probe_of": base_id, "probe_seed": seed, "n_source_items": len(items),
                 "probe_skipped": dict(skipped), "transform": f"{s['transform']}+{name}" if s["transform"] else name}
        if method.needs_pool:
            pool = pool_loader(run["benchmark"], run["subset"], items)
            method.prepare(pool.items)
            extra["exemplar_pool"] = pool.source
        plan = RunPlan(benchmark=run["benchmark"], subset=run["subset"], model_spec=model_spec or run["model"],
                       method=method, items=derived, seed=s["seed"], name=probe_run_name(base_id, name, seed, limit),
                       extra=extra, roles=s["roles"], scorers=s["scorers"], corpora=corpora, graph=graph,
                       data_dir=data_dir)
        if plan.knowledge_config() != s["knowledge"]:
            raise ValueError(f"run {base_id} used other knowledge sources than these ({s['knowledge'] or 'none'}): "
                             "pass the same --corpus / --graph as the base run")
        out.append(ProbePlan(name, plan, len(items), skipped))
    return out


def probe_run_name(base_id: str, probe: str, seed: int, limit: int | None) -> str | None:
    """`BASE.PROBE[-sSEED][-nLIMIT]`, readable and stable (a rerun resumes it); None (a derived id)
    when that is not a safe name (an old run id with odd characters, or too long)."""
    name = f"{base_id}.{probe}" + (f"-s{seed}" if seed else "") + (f"-n{limit}" if limit else "")
    try:
        return check_name(name)
    except ValueError:
        return None


def check_same_model(base_run: dict, identities: dict[str, str], roles: dict) -> None:
    """A probe is paired with its base only if the same models answer both."""
    if identities["model"] != base_run["model_identity"]:
        raise ValueError(f"the model now identifies as {identities['model']!r}, the base run used "
                         f"{base_run['model_identity']!r}: a probe must run the same model (give --model SPEC)")
    recorded = (base_run["config"] or {}).get("roles") or {}
    for role, r in recorded.items():
        if isinstance(r, dict) and r.get("identity") and identities.get(role) != r["identity"]:
            raise ValueError(f"role {role}: the model now identifies as {identities.get(role)!r}, "
                             f"the base run used {r['identity']!r}")


def variant(transform: str | None) -> str:
    """shuffle1, shuffle2 -> shuffle; bias_recency stays: the rows a probe breaks down into."""
    return re.sub(r"\d+$", "", transform or "")


def probe_row(store, base_id: str, probe: ProbePlan, run_id: str | None, scorer: str = "answer") -> dict:
    """The report of one probe run against its base."""
    skipped = dict(probe.skipped)
    row = {"probe": probe.probe, "run_id": run_id, "n_source": probe.n_source,
           "n_skipped": sum(skipped.values()), "skipped": skipped}
    if run_id is None:
        return {**row, "n": 0}
    base, probed = run_side(store, base_id, scorer), run_side(store, run_id, scorer)
    row.update(_stats(base, probed))
    kinds = sorted({variant(x["transform"]) for x in probed})
    if len(kinds) > 1:
        row["variants"] = {k: _stats(base, [x for x in probed if variant(x["transform"]) == k]) for k in kinds}
    return row


def _stats(base: list[dict], probed: list[dict]) -> dict:
    pairs = run_pairs(base, probed)
    if not pairs:
        return {"n": 0}
    r = compare_pairs(pairs)
    targeted = [x for x in probed if x["target"] is not None and x["value"] is not None]
    return {"n": r.n, "n_sources": r.n_sources, "base_accuracy": r.a_correct / r.n, "accuracy": r.b_correct / r.n,
            "change": r.diff, "ci95": list(r.ci95), "p_value": r.p_value, "flip_rate": r.answer_changed / r.n,
            "right_to_wrong": r.right_to_wrong, "wrong_to_right": r.wrong_to_right,
            "took_target": (sum(1 for x in targeted if x["raw_answer"] == x["target"]) / len(targeted)
                            if targeted else None)}


__all__ = ["ProbePlan", "base_settings", "check_same_model", "plan_probes", "probe_row", "variant"]
