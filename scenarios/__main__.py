"""`python -m scenarios` runs the terraquota command line."""

from scenarios.cli import main

main()
