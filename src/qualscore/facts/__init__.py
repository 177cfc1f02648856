"""Facts and per-entity targets, checked against a rule set and bound to it."""
