"""Which (account, rep) pairs are allowed beyond segment and region.

Optional rules, each off unless the input names it:

- a rep with a ``countries`` list covers only accounts of those countries;
- a rep with a ``languages`` list covers only accounts whose ``language`` is
  in it (an account without a language may go to any rep: an unknown
  language cannot be matched, and refusing it would leave it unassignable);
- forbidden pairs (``[assignment] forbid`` file, ``forbidden_reps`` column).

The block model builds candidate pairs from `eligible_matrix`; the checker
tests the chosen pairs with `eligible_pairs`. Both come from one allowed
(rep x value) table, so the model and the specification cannot drift apart.
"""

from __future__ import annotations

import numpy as np

from solver.problem import Problem


def _allowed(lists: np.ndarray, reps: np.ndarray, codes: np.ndarray) -> np.ndarray:
    """reps x codes: True where the rep's list is empty or names the code."""
    out = np.ones((len(reps), len(codes)), dtype=bool)
    for k, j in enumerate(reps):  # one pass per rep (reps are few), vectorised over codes
        items = [s for s in str(lists[j]).split(";") if s]
        if items:
            out[k] = np.isin(codes, items)
    return out


def _attribute_ok(
    account_values: np.ndarray | None,
    rep_lists: np.ndarray | None,
    accounts: np.ndarray,
    reps: np.ndarray,
    *,
    blank_matches: bool,
) -> np.ndarray | None:
    """accounts x reps mask for one list attribute, or None when it restricts nothing."""
    if account_values is None or rep_lists is None:
        return None
    restricted = np.array([bool(str(rep_lists[j])) for j in reps], dtype=bool)
    if not restricted.any():
        return None
    codes, inverse = np.unique(account_values[accounts].astype(str), return_inverse=True)
    ok = _allowed(rep_lists, reps, codes)  # reps x codes
    if blank_matches:
        ok[:, codes == ""] = True
    return ok[:, inverse].T


def eligible_matrix(problem: Problem, accounts: np.ndarray, reps: np.ndarray) -> np.ndarray | None:
    """accounts x reps mask of allowed pairs, or None when every pair is allowed."""
    masks = [
        _attribute_ok(problem.account_country, problem.rep_countries, accounts, reps, blank_matches=False),
        _attribute_ok(problem.account_language, problem.rep_languages, accounts, reps, blank_matches=True),
    ]
    ok: np.ndarray | None = None
    for m in masks:
        if m is not None:
            ok = m if ok is None else ok & m
    forbidden = problem.forbidden_pairs()
    if len(forbidden):
        pos_a = np.full(problem.n_accounts, -1)
        pos_a[accounts] = np.arange(len(accounts))
        pos_r = np.full(problem.n_reps, -1)
        pos_r[reps] = np.arange(len(reps))
        a, r = pos_a[forbidden[:, 0]], pos_r[forbidden[:, 1]]
        hit = (a >= 0) & (r >= 0)
        if hit.any():
            if ok is None:
                ok = np.ones((len(accounts), len(reps)), dtype=bool)
            ok[a[hit], r[hit]] = False
    return ok


def why_not(problem: Problem, account: int, rep: int) -> list[str]:
    """The eligibility rules that forbid ``rep`` for ``account``, in business words."""
    out = []
    acc_id, rep_id = problem.account_ids[account], problem.rep_ids[rep]
    for attr, lists, word, blank_matches in (
        (problem.account_country, problem.rep_countries, "country", False),
        (problem.account_language, problem.rep_languages, "language", True),
    ):
        if attr is None or lists is None or not str(lists[rep]):
            continue
        value = str(attr[account])
        if value == "" and blank_matches:
            continue
        if value not in str(lists[rep]).split(";"):
            shown = value or "(blank)"
            listed = str(lists[rep]).replace(";", ", ")
            out.append(f"rep {rep_id} covers {word} {listed} only; {acc_id} has {shown}")
    forbidden = problem.forbidden_pairs()
    if len(forbidden) and ((forbidden[:, 0] == account) & (forbidden[:, 1] == rep)).any():
        out.append(f"the pair ({acc_id}, {rep_id}) is forbidden")
    return out


def eligible_pairs(problem: Problem, accounts: np.ndarray, reps: np.ndarray) -> np.ndarray:
    """Element-wise: may ``accounts[i]`` go to ``reps[i]`` (countries, languages, forbidden)?"""
    accounts = np.asarray(accounts, dtype=np.int64)
    reps = np.asarray(reps, dtype=np.int64)
    ok = np.ones(len(accounts), dtype=bool)
    all_reps = np.arange(problem.n_reps)
    for attr, lists, blank_matches in (
        (problem.account_country, problem.rep_countries, False),
        (problem.account_language, problem.rep_languages, True),
    ):
        if attr is None or lists is None or not (lists.astype(str) != "").any():
            continue
        codes, inverse = np.unique(attr[accounts].astype(str), return_inverse=True)
        table = _allowed(lists, all_reps, codes)
        if blank_matches:
            table[:, codes == ""] = True
        ok &= table[reps, inverse]
    forbidden = problem.forbidden_pairs()
    if len(forbidden):
        keys = forbidden[:, 0] * problem.n_reps + forbidden[:, 1]
        ok &= ~np.isin(accounts * problem.n_reps + reps, keys)
    return ok
