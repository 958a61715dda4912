"""`clinreason export-training RUN... --format sft|dpo|grpo -o FILE`: stored runs as training data
(verified traces, preference pairs, prompts with gold), with a manifest beside the file and a guard
against exporting test items. See docs/training.md."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from ._app import DEFAULT_OUT, app, console, esc, friendly_errors


@app.command("export-training")
@friendly_errors
def export_training(
    runs: Optional[list[str]] = typer.Argument(None, help="Run ids or unique prefixes (several runs are combined)."),
    kind: str = typer.Option(..., "--format", "-f", help="sft (verified traces), dpo (chosen/rejected pairs) or grpo (prompts with gold)."),
    output: Path = typer.Option(..., "--output", "-o", help="File to write (.jsonl or .parquet); FILE.manifest.json goes beside it."),
    as_: Optional[str] = typer.Option(None, "--as", help="jsonl or parquet (default: from the file suffix)."),
    results: Path = typer.Option(DEFAULT_OUT, "--results", "-r", help="Results directory holding the runs."),
    min_reasoning: float = typer.Option(1.0, "--min-reasoning", help="sft/dpo: least judge:reasoning value a judged trace needs."),
    require_judge: bool = typer.Option(False, "--require-judge", help="sft/dpo: leave out traces with no reasoning verdict."),
    max_pairs: int = typer.Option(4, "--max-pairs-per-prompt", help="dpo: at most this many pairs per prompt."),
    template: str = typer.Option("cot", "--template", help="grpo: the prompt template items are rendered with."),
    allow_test: bool = typer.Option(False, "--allow-test", help="Export items of test / test_hard splits too (recorded in the manifest)."),
    eval_sets: Optional[list[str]] = typer.Option(None, "--eval-set", help="BENCH[:SUBSET] to check for near-duplicate questions (repeatable)."),
    overlap_threshold: float = typer.Option(0.5, "--overlap-threshold", help="Word n-gram containment counted as a near-duplicate."),
    ngram: int = typer.Option(8, "--ngram", help="Word n-gram length for the overlap check."),
    drop_overlap: bool = typer.Option(False, "--drop-overlap", help="Leave out records whose question overlaps an --eval-set."),
    data_dir: Optional[Path] = typer.Option(None, "--data-dir", help="Where benchmark files live (else $CLINREASON_DATA, then the user cache)."),
):
    """Export stored runs as SFT, DPO or GRPO training data (JSONL or Parquet, with a manifest)."""
    from ..training import ExportOptions, export_training as run_export
    from ._common import check_output_file, open_existing_store, resolve_run

    if not runs:
        raise ValueError("name at least one RUN (id or unique prefix)")
    check_output_file("--output", output)
    options = ExportOptions(min_reasoning=min_reasoning, require_judge=require_judge, max_pairs=max_pairs,
                            template=template, allow_test=allow_test, eval_sets=list(eval_sets or []),
                            overlap_threshold=overlap_threshold, ngram=ngram, drop_overlap=drop_overlap,
                            data_dir=data_dir)
    store = open_existing_store(results)
    try:
        ids = list(dict.fromkeys(resolve_run(store, r) for r in runs))
        result = run_export(store, ids, kind.strip().lower(), output, as_=as_, options=options)
    finally:
        store.close()
    _print(result)


def _print(result) -> None:
    from rich.table import Table

    m = result.manifest
    counts = m["counts"]
    console.print(f"wrote {m['records']} {m['format']} records to {esc(result.path)} "
                  f"(from {counts['kept']} of {counts['candidates']} {counts['unit']}); manifest {esc(result.manifest_path)}",
                  soft_wrap=True)
    table = Table(title="records by benchmark and split", title_justify="left")
    for column in ("benchmark", "subset", "split", "records"):
        table.add_column(column, justify="right" if column == "records" else "left")
    for row in m["splits"]:
        table.add_row(esc(row["benchmark"]), esc(row["subset"] or "–"), esc(row["split"]), str(row["records"]))
    console.print(table)
    if counts["dropped"]:
        dropped = Table(title="left out", title_justify="left")
        dropped.add_column("reason")
        dropped.add_column(counts["unit"], justify="right")
        for reason, n in counts["dropped"].items():
            dropped.add_row(esc(reason), str(n))
        console.print(dropped)
    if m["test_items"]:
        shown = ", ".join(f"{t['benchmark']} {t['split']}: {t['items']}" for t in m["test_items"])
        console.print(f"[yellow]--allow-test:[/] items from test splits were exported ({esc(shown)})", soft_wrap=True)
    matches = m["overlap"]["matches"]
    if m["overlap"]["eval_sets"]:
        verb = "dropped" if m["overlap"]["dropped"] else "kept (pass --drop-overlap to leave them out)"
        console.print(f"near-duplicates of {esc(', '.join(m['overlap']['eval_sets']))}: {len(matches)} items, {verb}")
        for x in matches[:20]:
            console.print(esc(f"  {x['benchmark']} {x['item_id']} ~ {x['eval_set']} {x['eval_item_id']} "
                              f"(containment {x['containment']:.2f}, Jaccard {x['jaccard']:.2f})"), soft_wrap=True)
        if len(matches) > 20:
            console.print(f"  ... and {len(matches) - 20} more (all in the manifest)")
