"""Operations triage (issue 11), without Textual: resolve ids, find stalls, group failures,
write incident reports, rebuild an import of just the failed files, preflight media URLs.

Everything here is plain Python over `tui.api.models` values, so the CLI (`tui.commands.
triage`) and the dashboard's screens share one implementation and the tests run fast.
"""
