"""The review page (cleaner review) and the rules test (cleaner rules test)."""
