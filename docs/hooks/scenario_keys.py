"""What each scenario key means, in the words of a planner.

Types, defaults and the list of keys come from the code (`scenarios.run.KNOWN_KEYS`
and the pydantic models of `solver.config`); only the meaning is written here.
``tests/docs`` fails when a key of the code has no entry below, or an entry
names a key the code no longer knows.
"""

from __future__ import annotations

#: Dotted scenario key -> meaning. ``REGION``, ``SEGMENT`` and ``NAME`` stand for names the user picks.
DESCRIPTIONS: dict[str, str] = {
    "name": "Name of the scenario; names the run folder (`runs/<name>`).",
    "extends": "Another scenario file to inherit (path relative to this file); this file's keys "
    "override the base's, tables merge key by key (`[segments]` and `[regions]` are replaced whole).",
    "description": "Free text about the scenario; kept in the run's `scenario.toml`.",
    "data": "The input tables. Paths are relative to the file that declares them.",
    "data.accounts": "Accounts table (CSV, .xlsx or Parquet).",
    "data.reps": "Reps table (CSV, .xlsx or Parquet).",
    "data.events": "Events table kept with the scenario; resolved like the other paths "
    "(`terraquota replan` takes its events file as an argument).",
    "data.forbid": "Same as `assignment.forbid`: a table of (account_id, rep_id) pairs "
    "that must not be chosen.",
    "data.opportunities": "Opportunities table: where `terraquota pull` writes the org's opportunities "
    "(`terraquota track` takes its opportunities table as an argument).",
    "plan": "The plan year and the ramp of new hires.",
    "plan.start": "First day of the 12-month plan year (ISO date).",
    "plan.ramp": "Productivity in tenure months 1, 2, 3, ...; 1.0 after the list ends. "
    "Values in [0, 1]. Drives each rep's capacity factor.",
    "segments": "Employee bands: `NAME = [lower, upper]`, lower inclusive, upper exclusive "
    "(`inf` for no upper bound). Bands may not overlap. Used for accounts without a `segment` column.",
    "segments.NAME": "One segment's employee band `[lower, upper)`.",
    "regions": "Region name -> list of entries. Every account must fall in exactly one region: one "
    "in none or in several is an input error naming its row and the entries that matched.",
    "regions.NAME": "Entries of one region: countries (`US`, ISO alpha-2), ISO 3166-2 subdivisions "
    "(`US-CA`), US ZIP prefixes (`zip:941`), NUTS codes (`DE21`, finer levels included) or polygon files "
    "(`west.geojson`; `NUTS.geojson#DE,AT` keeps the features whose id starts with a listed code).",
    "workload": "Segment -> workload per account, for accounts without a `workload` column (numbers >= 0).",
    "workload.SEGMENT": "Workload of one account of this segment.",
    "scoring": "How potential is scored for accounts without a `potential` column.",
    "scoring.weights": "Data point -> weight (e.g. `employees`, `annual_revenue`). Each data point "
    "becomes its percentile rank among all accounts; the score is the weighted mean of the ranks "
    "an account has.",
    "scoring.potential_scale": "Currency amount of a score of 1.0: potential = score x potential_scale.",
    "assignment": "The rules and solver settings of the account -> rep assignment.",
    "assignment.balance": "Metric -> tolerance t: every rep's metric stays within [1 - t, 1 + t] of its "
    "capacity-adjusted target. Metrics: potential, workload, accounts, arr.",
    "assignment.max_moved_share": "Disruption budget: at most this share of all potential may change owner "
    "(0 to 1). Without it, disruption is only a cost in the objective.",
    "assignment.weights": "Objective weights of the normalised terms `disruption` (potential moved / "
    "total potential) and `distance` (potential-weighted km to the rep's home, over a reference).",
    "assignment.solver": "MIP backend of the blocks solved exactly: auto (= HiGHS), highs, cpsat, pulp. "
    "Large blocks always use the HiGHS LP pipeline.",
    "assignment.time_limit": "Seconds for the whole assignment, shared between blocks by size; local search "
    "and polishing stop on move and node budgets, so the time limit is a safety net for them.",
    "assignment.seed": "Random seed of the solvers and of the sampling of large blocks.",
    "assignment.mip_gap": "Relative gap at which a block counts as optimal.",
    "assignment.objective": "`weighted` (minimise the weighted sum of the terms) or `lexicographic` "
    "(minimise the terms of `order` one after the other).",
    "assignment.order": "Lexicographic mode: the terms in order of importance, from balance, "
    "disruption, distance.",
    "assignment.lex_tolerance": "Lexicographic mode: each later stage keeps the earlier terms within this "
    "relative tolerance of their best value.",
    "assignment.num_workers": "CP-SAT search workers (1 = single worker; more use interleaved search, "
    "which stays deterministic).",
    "assignment.forbid": "A table with columns account_id, rep_id of pairs that must not be chosen "
    "(path relative to the declaring file). Unknown ids are input errors naming file and row.",
    "quota": "The finance target and how it cascades to reps and periods.",
    "quota.target": "Company target for the plan year (currency).",
    "quota.hedge": "Over-assignment per level: `region`, `segment`, `manager`, `rep` "
    "(e.g. `{ region = 0.05, rep = 0.10 }`), each in (-0.5, 5).",
    "quota.periods": "Period of the rep quotas: `quarter` or `month`.",
    "quota.basis": "How a parent's quota is split over its children: `potential`, `bookings`, a blend "
    "`{ potential = 0.7, bookings = 0.3 }`, or a table by level.",
    "quota.seasonality": "12 monthly weights (plan months 1-12): a rep's period quotas follow capacity x "
    "seasonality.",
    "quota.penetration": "Share of potential expected as bookings (one figure or by segment); gives the "
    "bottom-up quota of a territory. Default: target / total potential.",
    "quota.max_change": "Each rep's quota stays within +- this share of last year's quota (else bookings) "
    "x its capacity factor; the least breach is taken when a team total cannot fit.",
    "quota.attainment_spread": "Relative spread of bookings used for the chance of reaching quota when no "
    "history is given.",
    "capacity": "The capacity model: how many reps the target needs, hires and sizing "
    "(`terraquota plan-hires`, `capacity.csv`).",
    "capacity.productivity": "Yearly bookings of one fully ramped rep: one figure or by segment. "
    "Required in a `[capacity]` section.",
    "capacity.attainment": "Expected share of quota attained, in (0, 3].",
    "capacity.attrition": "Annual attrition rate in [0, 1): reps without an end date count with a "
    "survival factor.",
    "capacity.lead_time_months": "Months from opening a requisition to the hire's start (0-24).",
    "capacity.earliest_start": "First day a hire can start (ISO date); default the plan start.",
    "capacity.ramp": "Ramp by segment for the capacity model only (overrides `plan.ramp` there).",
    "capacity.ote": "On-target earnings of a hire: one figure or by segment; prices planned hires "
    "and the budget.",
    "capacity.headcount": "Total reps: turns on the sizing optimisation (team size per block).",
    "capacity.budget": "Total prorated OTE: turns on the sizing optimisation.",
    "capacity.blocks": "Per block `[capacity.blocks.REGION.SEGMENT]`: target or share, productivity, "
    "min_reps, max_reps.",
    "capacity.blocks.REGION.SEGMENT.target": "Revenue target of this block (currency).",
    "capacity.blocks.REGION.SEGMENT.share": "Share of the company target for this block (blocks with neither "
    "target nor share split the rest by potential).",
    "capacity.blocks.REGION.SEGMENT.productivity": "Yearly bookings of a ramped rep of this block.",
    "capacity.blocks.REGION.SEGMENT.min_reps": "Sizing never gives this block fewer reps.",
    "capacity.blocks.REGION.SEGMENT.max_reps": "Sizing never gives this block more reps.",
    "salesforce": "Settings of `terraquota pull` and `terraquota push`: per table "
    "(`[salesforce.accounts]`, `[salesforce.reps]`, `[salesforce.opportunities]`) the `fields` "
    "mapping from planner columns to Salesforce fields (custom fields included; the reps need "
    "`segment` and `region`) and a `where` filter; `bulk` (auto, true, false), `bulk_threshold`, "
    "`bulk_poll_seconds`; and `[salesforce.push]`.",
    "salesforce.api_version": "REST API version `pull` and `push` speak, as Salesforce writes it "
    '(`"59.0"`); `validate` checks the form, the org checks the number.',
    "salesforce.bulk": "`auto`: a Bulk API 2.0 query job for an object of more than `bulk_threshold` "
    "records (one COUNT() query decides), REST pages otherwise; `true` always Bulk, `false` never.",
    "salesforce.bulk_threshold": 'Records above which `bulk = "auto"` pulls an object with a Bulk API '
    "2.0 job.",
    "salesforce.bulk_poll_seconds": "Seconds between two looks at a running Bulk API 2.0 job.",
    "salesforce.accounts": "How `terraquota pull` reads Account into the accounts table.",
    "salesforce.accounts.fields": "Planner column -> Account field, on top of the standard mapping "
    '(`account_id = "Id"`, `country = "BillingCountry"`, ...); custom fields welcome '
    '(`potential = "Fit_Score__c"`), `""` drops a standard field.',
    "salesforce.accounts.where": "SOQL condition on Account, as written (e.g. `\"Type = 'Customer'\"`).",
    "salesforce.reps": "How `terraquota pull` reads User into the reps table.",
    "salesforce.reps.fields": "Planner column -> User field, on top of the standard mapping (Id, Name, "
    "ManagerId, Latitude and Longitude as the rep's home). `segment` and `region` must be named, e.g. "
    '`segment = "Department"`, `region = "Division"` or custom fields.',
    "salesforce.reps.where": "SOQL condition on User; replaces the default (active standard users).",
    "salesforce.opportunities": "How `terraquota pull` reads Opportunity into the opportunities table.",
    "salesforce.opportunities.fields": "Planner column -> Opportunity field, on top of the standard "
    "mapping (Id, AccountId, OwnerId, Amount, CloseDate, StageName, ...).",
    "salesforce.opportunities.where": 'SOQL condition on Opportunity, e.g. `"CloseDate >= 2027-02-01"`.',
    "salesforce.push": "What `terraquota push` writes besides account owners. Read from the run "
    "folder's `scenario.toml`; unknown keys are refused.",
    "salesforce.push.territory_model": "DeveloperName of a Territory2Model: push one Territory2 per rep "
    "and the rep's and the accounts' associations. Unset: no territories.",
    "salesforce.push.territory_type": "DeveloperName of the Territory2Type of the territories pushed "
    "(needed with `territory_model`).",
    "salesforce.push.forecasting_type": "DeveloperName of a ForecastingType: push one ForecastingQuota "
    "per rep and period (updated where one exists). Unset: no quotas.",
    "salesforce.push.batch_size": "Records per sObject Collections request (200 is the API's limit).",
    "sweep": "Makes the file a sweep for `terraquota batch`: many members from one scenario.",
    "sweep.grid": '`{ "dotted.key" = [values...] }`: every combination of the lists (cartesian).',
    "sweep.zip": "Lists of equal length, taken row by row, combined cartesian with the grid.",
    "sweep.name": 'Member name template, e.g. `"{name}-bal{assignment.balance.potential}"`; '
    "placeholders may carry a format spec such as `{quota.target:.0f}`.",
    "data.workbook": "A workbook written by `terraquota run` and edited in Excel: its owner changes "
    "become pins, and its quota overrides and rep dates are loaded (same as `run --from-workbook`).",
    "plan.currency": "ISO 4217 code (e.g. `USD`, `EUR`) shown beside every money figure in reports, "
    "the workbook, maps and the terminal.",
    "plan.fiscal_year_start": "Month (1-12) the fiscal year begins: periods read `FY27 Q1` in reports, "
    "the workbook and the terminal (quotas.csv keeps ISO dates).",
    "plan.fiscal_year_named_by": '`"start"` (default) or `"end"`: a fiscal year is named after the calendar '
    "year it starts in, or ends in.",
    "quota.targets": "Fixed targets before hedges, by `region`, by `segment` or both, e.g. "
    "`{ region = { EMEA = 40000000 } }`; the rest of the company target is shared as without them.",
    "quota.level_weights": "Quota weight per value of the reps' `level` column (e.g. `{ junior = 0.8 }`).",
    "quota.max_quota_to_ote": "Highest quota / on-target earnings ratio; every rep above it is reported "
    "as a warning.",
    "warnings": "Thresholds of the plan's warnings (metrics.json `warnings`, the terminal summary, the "
    "report's first screen).",
    "warnings.min_bookings_vs_quota": "Expected bookings below this share of the quota total warn.",
    "warnings.min_share_reaching_quota": "An expected share of reps reaching quota below this warns.",
    "warnings.max_capacity_gap": "A capacity gap above this many full-time reps (company or a block) warns.",
    "warnings.max_reps_outside_cap": "More reps than this outside the year-over-year change cap warn.",
    "warnings.max_override_to_expected": "A quota override above this multiple of what the rep's "
    "territory is expected to book warns.",
}
