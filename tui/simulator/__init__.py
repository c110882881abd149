"""A deterministic Descript API simulator (ASGI), for the demo and every test."""
