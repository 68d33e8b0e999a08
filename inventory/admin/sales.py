"""Admin: sales."""
