"""The run: two passes over the records (strip and sign, then dedup and assemble), on an engine."""
