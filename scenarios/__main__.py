"""`python -m scenarios` runs the terraquota command line."""

from scenarios.cli.commands import main

main()
