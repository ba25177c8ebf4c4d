"""Time shares of a run's pieces: the pieces queued last keep time for a first plan."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from solver.assignment.schedule import RESERVE_SHARE, Clock, reserved_deadlines


def test_pieces_run_later_keep_back_half_their_share() -> None:
    # largest first: piece 0 (10), then 1 (5), then 2 (1), one process
    latest = reserved_deadlines([10, 5, 1], [10.0, 5.0, 1.0], hard=100.0, workers=1)
    assert latest == [100.0 - RESERVE_SHARE * (5.0 + 1.0), 100.0 - RESERVE_SHARE * 1.0, 100.0]


def test_the_reserve_is_shared_by_the_workers() -> None:
    latest = reserved_deadlines([4, 8, 2], [4.0, 8.0, 2.0], hard=60.0, workers=2)
    # order: piece 1 (8), piece 0 (4), piece 2 (2)
    assert latest[2] == 60.0
    assert latest[0] == pytest.approx(60.0 - RESERVE_SHARE * 2.0 / 2)
    assert latest[1] == pytest.approx(60.0 - RESERVE_SHARE * (4.0 + 2.0) / 2)


@given(st.lists(st.integers(1, 10_000), min_size=1, max_size=12), st.integers(1, 4))
def test_no_piece_may_finish_after_the_run_and_larger_ones_finish_first(
    sizes: list[int], workers: int
) -> None:
    spread = [60.0 * workers * s / sum(sizes) for s in sizes]
    latest = reserved_deadlines(sizes, spread, hard=60.0, workers=workers)
    assert all(t <= 60.0 for t in latest)
    order = sorted(range(len(sizes)), key=lambda i: (-sizes[i], i))
    assert [latest[i] for i in order] == sorted(latest)
    # what the pieces after the first keep back is half their time, over the workers
    assert 60.0 - latest[order[0]] == pytest.approx(
        RESERVE_SHARE * sum(spread[i] for i in order[1:]) / workers
    )


def test_the_clock_shares_what_is_left_and_keeps_back_for_the_rest() -> None:
    clock = Clock([30, 10], total=40.0)
    share, reserve = clock.share(0)
    assert share == pytest.approx(30.0, abs=0.1)
    assert reserve == pytest.approx(RESERVE_SHARE * 10.0, abs=0.1)
    share, reserve = clock.share(1)
    assert share == pytest.approx(40.0, abs=0.1) and reserve == 0.0


def _task(share: float, hard: float, run_end: float | None):  # type: ignore[no-untyped-def]
    from solver.assignment.split.piece_tasks import PlanTask
    from solver.config import AssignmentConfig

    return PlanTask(AssignmentConfig(), 1.0, 1.0, None, None, share, hard, run_end=run_end)


def test_a_piece_starting_after_its_reserved_deadline_still_gets_its_share() -> None:
    """The pieces before it overran: it gets its share from now, while the run has time."""
    import time

    now = time.perf_counter()
    late = _task(share=10.0, hard=now - 5.0, run_end=now + 100.0)
    assert late.deadline() == pytest.approx(now + 10.0, abs=0.5)
    # never past the run's own deadline
    assert _task(10.0, now - 5.0, now + 3.0).deadline() == pytest.approx(now + 3.0)
    # on time: its reserved deadline stands
    assert _task(10.0, now + 50.0, now + 100.0).deadline() == pytest.approx(now + 50.0)
    # without the run's deadline (the search by groups), the reserved one is all there is
    assert _task(10.0, now - 5.0, None).deadline() == pytest.approx(now - 5.0)
