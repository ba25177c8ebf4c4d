"""The scale ladder's rungs and rule sets, and the instance each rung solves.

What the ladder measures is fixed here, apart from how it is measured
(`scenarios.bench.scale.child`, `scenarios.bench.scale.process`) and printed
(`scenarios.bench.scale.tables`), so changing a rung or a rule set touches
one module.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from solver.errors import InputError, InputProblem
from solver.problem import Problem

__all__ = [
    "BALANCE",
    "BASELINE",
    "DEFAULT_SIZES",
    "GENERATORS",
    "MAX_MOVED_SHARE",
    "RULE_SETS",
    "SEED",
    "SIZES",
    "WEIGHTS",
    "WITNESS_SEED",
    "RuleSet",
    "ScaleSize",
    "generate_instance",
    "parse_sizes",
]


@dataclass(frozen=True)
class ScaleSize:
    """One rung of the ladder and what it should reach (None: no target).

    ``ratio_target`` bounds objective / bound; ``rules`` names the size's own rule
    set (None: the suite's); ``generator`` is ``synthetic``, ``heldout`` or ``greenfield``.
    """

    name: str
    accounts: int
    reps: int
    time_limit: float
    ratio_target: float | None = None
    rss_target_mb: float | None = None
    rules: str | None = None
    generator: str = "synthetic"
    #: blocks of the witness generators (reps per block = reps / blocks)
    blocks: int = 2

    @property
    def label(self) -> str:
        return self.name if self.generator == "synthetic" else f"{self.generator}:{self.name}"


SIZES: dict[str, ScaleSize] = {
    s.name: s
    for s in (
        ScaleSize("1k", 1_000, 20, 10.0),
        ScaleSize("10k", 10_000, 100, 30.0),
        ScaleSize("20k", 20_000, 150, 30.0, 1.02, None, "least"),
        ScaleSize("100k", 100_000, 500, 60.0, 1.01, 4096.0, blocks=4),
        ScaleSize("1m", 1_000_000, 2_000, 600.0, 1.02, 16384.0, blocks=8),
    )
}
#: The sizes run when none are named.
DEFAULT_SIZES = ("1k", "10k", "100k", "1m")
GENERATORS = ("synthetic", "heldout", "greenfield")
#: Seed of the witness generators (the synthetic ladder uses `SEED`).
WITNESS_SEED = 11
BASELINE = "1k"
SEED = 0

#: The rules of every rung ("every rule"); pins, families and departed owners are in the data.
BALANCE = {"potential": 0.02, "accounts": 0.25}
WEIGHTS = {"disruption": 1.0, "distance": 0.1}
MAX_MOVED_SHARE = 0.15


@dataclass(frozen=True)
class RuleSet:
    """The rules a ladder runs with (pins, families and departed owners are in the data)."""

    name: str
    balance: dict[str, float]
    max_moved_share: float | None
    text: str
    weights: dict[str, float] = field(default_factory=lambda: dict(WEIGHTS))


RULE_SETS: dict[str, RuleSet] = {
    r.name: r
    for r in (
        RuleSet(
            "every",
            BALANCE,
            MAX_MOVED_SHARE,
            "balance potential +-2% and accounts +-25% of tenure-adjusted targets; pins (0.5%); "
            "families of 2-5 (3%); departed owners (3%); max_moved_share 15%; "
            "objective disruption + 0.1 x distance",
        ),
        # the engine's core path, to tell its cost from the budget's first pass
        RuleSet(
            "core",
            {"potential": 0.02},
            None,
            "balance potential +-2% of tenure-adjusted targets; pins (0.5%); families of 2-5 (3%); "
            "departed owners (3%); no budget; objective disruption + 0.1 x distance",
        ),
        RuleSet(
            "least",
            {"potential": 0.05},
            None,
            "balance potential +-5% of tenure-adjusted targets; pins; families; departed owners; "
            "no budget; objective: potential moved only",
            {"disruption": 1.0, "distance": 0.0},
        ),
    )
}


def parse_sizes(text: str | list[str] | None) -> list[ScaleSize]:
    """Sizes from ``"1k,10k,heldout:100k"`` (or a list of names), in increasing order;
    None -> the default ladder."""
    if text is None:
        return [SIZES[n] for n in DEFAULT_SIZES]
    tokens = text if isinstance(text, list) else [text]
    names = [t.strip().lower() for tok in tokens for t in tok.split(",") if t.strip()]
    pairs = [n.split(":", 1) if ":" in n else ["synthetic", n] for n in names]
    unknown = [n for n, (g, z) in zip(names, pairs, strict=True) if g not in GENERATORS or z not in SIZES]
    if unknown or not names:
        known = f"{', '.join(SIZES)}, each optionally as <generator>:<size> ({', '.join(GENERATORS)})"
        raise InputError(InputProblem("bench", None, "--sizes", f"unknown sizes {unknown}; known: {known}"))
    chosen = {replace(SIZES[z], generator=g) for g, z in pairs}
    return sorted(chosen, key=lambda s: (s.accounts, GENERATORS.index(s.generator)))


def generate_instance(size: ScaleSize) -> Problem:
    """The size's problem from its generator (see the module docstring)."""
    from solver.synthetic import SyntheticSpec, generate_problem
    from solver.synthetic_witness import WitnessSpec, generate_witness

    if size.generator == "synthetic":
        return generate_problem(SyntheticSpec(size.accounts, size.reps, seed=SEED))
    spec = WitnessSpec(
        size.accounts,
        size.reps,
        size.blocks,
        seed=WITNESS_SEED,
        owned_share=0.85 if size.generator == "heldout" else 0.0,
        keep_owner_share=0.9,
        book_sigma=0.05,  # accounts per book close to capacity: the +-25% account band holds
        pin_share=0.005,
        family_share=0.03,
    )
    return generate_witness(spec).problem()
