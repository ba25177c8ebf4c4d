"""One scenario to one run folder: scenario files, preparation, the runner and atomic writes."""

from scenarios.run.prepare import (
    Prepared,
    prepare,
)
from scenarios.run.replan_tables import (
    replan_files,
    run_data_of,
)
from scenarios.run.runfolder import (
    write_file_atomically,
    write_folder_atomically,
)
from scenarios.run.runner import (
    EXIT_BUG,
    EXIT_BY_STATUS,
    EXIT_INFEASIBLE,
    EXIT_INPUT,
    EXIT_NO_SOLUTION,
    EXIT_OK,
    RunOutcome,
    run_scenario,
)
from scenarios.run.scenario import (
    KNOWN_KEYS,
    PATH_KEYS,
    Scenario,
    load_scenario,
    merged_document,
)

__all__ = [
    "EXIT_BUG",
    "EXIT_BY_STATUS",
    "EXIT_INFEASIBLE",
    "EXIT_INPUT",
    "EXIT_NO_SOLUTION",
    "EXIT_OK",
    "KNOWN_KEYS",
    "PATH_KEYS",
    "Prepared",
    "RunOutcome",
    "Scenario",
    "load_scenario",
    "merged_document",
    "prepare",
    "replan_files",
    "run_data_of",
    "run_scenario",
    "write_file_atomically",
    "write_folder_atomically",
]
