"""The dedup stage: near-duplicate passages found with MinHash LSH, checked, and one copy kept."""
