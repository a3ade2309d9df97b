"""Writes of the governance app, one module per concern."""
