"""Widgets of the dashboard: the job table, the detail pane, the status bar and friends."""
