"""Every write on customer archives goes through these functions (keyword-only, atomic,
explicit actor, history written in the same transaction)."""
