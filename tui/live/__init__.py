"""The live model of what the user sees, with no Textual import: rows keyed by job id, their
status, filter and sort as values, the link state. Screens render it; they do not own it."""
