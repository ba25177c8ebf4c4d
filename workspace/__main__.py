"""`python -m workspace serve|user add ...`: the workspace commands on their own."""

import typer

from workspace.cli import register


def main() -> None:
    app = typer.Typer(
        name="terraquota", no_args_is_help=True, add_completion=False, pretty_exceptions_enable=False
    )
    register(app)
    app()


if __name__ == "__main__":
    main()
