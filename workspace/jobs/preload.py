"""Imported once by the jobs' fork server: every job process starts with the library loaded."""

from workspace import engine
from workspace.jobs import worker  # noqa: F401

engine.warm_up()
