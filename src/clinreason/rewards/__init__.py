"""Reward functions for RL training, built on the parsers and the answer scorer that grading uses.

    from clinreason.rewards import trl_reward
    GRPOTrainer(..., reward_funcs=[trl_reward("correct"), trl_reward("strict_format")])

  functions.py  correct (letter, letters, yes/no/maybe, numbers within tolerance, dates), hamming,
                strict_format, think_format, length_penalty; the REWARDS registry
  judge.py      JudgeReward: the judge:reasoning rubric as a reward, cached in a store
  gold.py       the gold fields a reward needs (gold_spec) and the Item rebuilt from them
  adapters.py   TRL, verifiers and OpenRLHF call shapes
"""

from __future__ import annotations

from .adapters import completion_text, gold_item, openrlhf_reward, reward_func, trl_reward, verifiers_reward
from .functions import REWARDS, correct, grade, hamming, length_penalty, strict_format, think_format
from .gold import GoldError, gold_spec, item_from_gold
from .judge import JudgeReward

__all__ = ["REWARDS", "GoldError", "JudgeReward", "completion_text", "correct", "gold_item", "gold_spec", "grade",
           "hamming", "item_from_gold", "length_penalty", "openrlhf_reward", "reward_func", "strict_format",
           "think_format", "trl_reward", "verifiers_reward"]
