"""Every write of the documents app (one module per concern)."""
