"""Printing a consultation run's episode metrics (the `episode` scorer's declared metrics, from the
run summary): turns, questions and tests, information gained, repeated and unanswerable
questions, patient faithfulness, tokens per turn and why episodes stopped."""

from __future__ import annotations

from rich.table import Table

from ._app import console, esc


def _num(stat, digits: int = 2, percent: bool = False) -> str:
    mean = stat.get("mean") if isinstance(stat, dict) else None
    if mean is None:
        return "–"
    text = f"{mean:.1%}" if percent else f"{mean:,.{digits}f}"
    ci = stat.get("ci95")
    if ci:
        text += f"  (95% CI {ci[0]:.1%}–{ci[1]:.1%})" if percent else f"  (95% CI {ci[0]:,.{digits}f}–{ci[1]:,.{digits}f})"
    return text + f"  n={stat.get('n')}"


def print_episode_summary(s: dict) -> None:
    m = (s.get("scores") or {}).get("episode") or {}
    table = Table(title="consultation episodes", show_header=False, title_justify="left")
    table.add_column(style="bold")
    table.add_column()
    table.add_row("turns / episode", _num(m.get("turns")))
    table.add_row("questions / episode", _num(m.get("questions")))
    table.add_row("tests / episode", _num(m.get("tests")))
    table.add_row("information gained", _num(m.get("info_gained"), percent=True) + "  (facts elicited / facts)")
    table.add_row("repeated questions", _num(m.get("repeated_questions")))
    table.add_row("unanswerable questions", _num(m.get("unanswerable_questions")))
    faith = m.get("faithfulness")
    table.add_row("patient faithfulness (rule)", _num(faith, percent=True) if isinstance(faith, dict) and faith.get("n")
                  else "–  (rule-based patient: its replies are the facts)")
    table.add_row("tokens / turn", _num(m.get("tokens_per_turn"), digits=0))
    stopped = m.get("stopped") or {}
    table.add_row("stopped", esc(", ".join(f"{k} {v}" for k, v in stopped.items())) or "–")
    console.print(table)
