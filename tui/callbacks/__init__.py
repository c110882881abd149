"""Callbacks instead of polling: a safe receiver for Descript's `callback_url` POSTs."""
