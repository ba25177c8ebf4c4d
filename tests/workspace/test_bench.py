"""The workspace benchmark's table and its CPU meter (the measures themselves are benchmarks, not tests)."""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from workspace.bench import CpuMeter, table


def test_the_table_gives_ratios_and_cpu_seconds_or_dashes() -> None:
    text = table([("quota-only edit", 2.0, 1.0, 0.25), ("full solve", 30.0, None, None)])
    header, edit, solve = text.splitlines()
    assert header.split() == ["measure", "seconds", "target", "ratio", "cpu", "s"]
    assert edit.split()[-4:] == ["2.000", "1.0", "2.00", "0.250"]
    assert solve.split()[-4:] == ["30.000", "-", "-", "-"]


@pytest.mark.skipif(not Path("/proc/self/stat").is_file(), reason="reads /proc")
def test_the_meter_counts_this_process_cpu() -> None:
    meter = CpuMeter()
    before = meter.snapshot()
    start = time.process_time()
    while time.process_time() - start < 0.1:  # work, not sleep: only work shows as CPU time
        sum(range(1000))
    used = meter.since(before)
    assert used is not None and used >= 0.05
    idle = meter.snapshot()
    time.sleep(0.05)
    assert (meter.since(idle) or 0.0) < 0.05
