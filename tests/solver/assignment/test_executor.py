"""Local worker processes inherit the run's problem instead of receiving a pickled copy per task."""

from __future__ import annotations

import multiprocessing

import pytest

from solver.assignment import executor
from solver.assignment.executor import InheritingPool
from solver.problem import Problem
from solver.synthetic import SyntheticSpec, generate_problem


def _accounts_plus(problem: Problem, k: int) -> int:
    return problem.n_accounts + k


@pytest.mark.skipif("fork" not in multiprocessing.get_all_start_methods(), reason="needs fork")
def test_tasks_get_the_problem_by_reference_and_the_same_answers() -> None:
    problem = generate_problem(SyntheticSpec(300, 12, seed=1))
    sent: list[tuple[object, ...]] = []
    with InheritingPool(2) as pool:
        first = pool.submit(_accounts_plus, problem, 0)
        assert pool.inner is not None
        real_submit = pool.inner.submit

        def spy(fn: object, *args: object, **kwargs: object) -> object:
            sent.append(args)
            return real_submit(fn, *args, **kwargs)  # type: ignore[arg-type]

        pool.inner.submit = spy  # type: ignore[method-assign]
        later = [pool.submit(_accounts_plus, problem, k) for k in (1, 2)]
        assert first.result() == 300
        assert [f.result() for f in later] == [301, 302]
        assert id(problem) in executor._INHERITED
    # what went to the workers: the function, a key for the problem, the other arguments
    assert sent and all(not isinstance(a, Problem) for args in sent for a in args[1])
    assert id(problem) not in executor._INHERITED  # released with the pool


def test_another_problem_after_the_fork_is_sent_whole() -> None:
    first = generate_problem(SyntheticSpec(200, 12, seed=1))
    second = generate_problem(SyntheticSpec(250, 12, seed=2))
    with InheritingPool(1) as pool:
        assert pool.submit(_accounts_plus, first, 0).result() == 200
        assert pool.submit(_accounts_plus, second, 0).result() == 250
