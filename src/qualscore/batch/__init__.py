"""Many entities: reading them, scoring them in worker processes, ranking."""
