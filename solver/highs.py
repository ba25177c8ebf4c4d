"""HiGHS in one place: its model statuses in ours, and quiet instances.

Every HiGHS model of the engine (assignment blocks, GAP, sizing, re-plans)
maps its status through `HIGHS_STATUS`, an explicit, tested table. A status
says nothing about the presence of a plan: a time limit reached *with* a plan
is ``feasible``, without one ``no_solution``; so the table gives both.
"""

from __future__ import annotations

import os
import sys

import highspy

from solver.assignment.result import Status

_M = highspy.HighsModelStatus

#: HiGHS model status -> (our status with a primal plan, without one). Statuses not
#: listed (load, model, presolve, solve and postsolve errors, unset) are errors.
HIGHS_STATUS: dict[highspy.HighsModelStatus, tuple[Status, Status]] = {
    _M.kOptimal: (Status.OPTIMAL, Status.NO_SOLUTION),
    _M.kModelEmpty: (Status.OPTIMAL, Status.OPTIMAL),
    _M.kInfeasible: (Status.FEASIBLE, Status.INFEASIBLE),
    _M.kUnboundedOrInfeasible: (Status.FEASIBLE, Status.INFEASIBLE),
    _M.kTimeLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kIterationLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kSolutionLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kInterrupt: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kHighsInterrupt: (Status.FEASIBLE, Status.NO_SOLUTION),  # type: ignore[attr-defined]  # not in the stubs
    _M.kMemoryLimit: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kObjectiveBound: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kObjectiveTarget: (Status.FEASIBLE, Status.NO_SOLUTION),
    _M.kUnknown: (Status.FEASIBLE, Status.NO_SOLUTION),
}


def highs_status(model_status: highspy.HighsModelStatus, has_plan: bool) -> Status:
    """Our status for a HiGHS model status (`HIGHS_STATUS`); ``error`` for one it does not list."""
    pair = HIGHS_STATUS.get(model_status)
    if pair is None:
        return Status.ERROR
    return pair[0] if has_plan else pair[1]


def quiet_highs(threads: int = 1, seed: int | None = None) -> highspy.Highs:
    """A HiGHS instance that prints nothing (its log is off), single-threaded by default."""
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    h.setOptionValue("threads", int(threads))
    if seed is not None:
        h.setOptionValue("random_seed", int(seed))
    return h


def silence_banner() -> None:
    """Start HiGHS once with stdout pointed at /dev/null.

    HiGHS 1.16 prints a copyright banner from C++ when the process's first
    instance is constructed, before any option can be set, so options cannot
    silence it. A command line whose stdout carries data calls this once at
    start; the library itself never touches the process's file descriptors.
    """
    try:
        sys.stdout.flush()
        saved = os.dup(1)
    except (OSError, ValueError, AttributeError):
        return
    try:
        with open(os.devnull, "w") as null:
            os.dup2(null.fileno(), 1)
            highspy.Highs()
    finally:
        os.dup2(saved, 1)
        os.close(saved)
