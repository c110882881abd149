"""descript-tui: a terminal dashboard and headless CLI for the Descript API's job system."""

__version__ = "0.1.0"
