"""The Descript API layer: client, models, errors, retries, limits and the polling scheduler.

Nothing in this package imports Textual (tests/unit/test_layers.py proves it): the headless
CLI and the dashboard both stand on it.
"""
