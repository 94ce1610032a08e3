"""Widgets that only draw: each takes plain data from the controller and reports user intents."""
