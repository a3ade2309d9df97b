"""The customer-archive pages, one module per page family."""
