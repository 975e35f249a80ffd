"""Synthetic data with known, planted effects: athletes, blocks, FIT files and their truth."""

from runform.synth.athlete import (
    DEFAULT_RACE_DATE,
    Athlete,
    BlockPlan,
    BlockTruth,
    Paces,
    PlannedRun,
    Segment,
    WeekPlan,
    daniels_paces,
    generate_block,
    minetti_cr,
    plan_block,
)

__all__ = [
    "DEFAULT_RACE_DATE",
    "Athlete",
    "BlockPlan",
    "BlockTruth",
    "Paces",
    "PlannedRun",
    "Segment",
    "WeekPlan",
    "daniels_paces",
    "generate_block",
    "minetti_cr",
    "plan_block",
]
