"""The pure core: scoring rules, checks and consolidation on plain data. No I/O."""
