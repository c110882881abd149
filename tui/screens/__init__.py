"""Screens of the dashboard: jobs (the main one), import, agent, cancel, activity, help."""
