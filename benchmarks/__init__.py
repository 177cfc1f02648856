"""Benchmarks of qualscore against a hand-written floor and GoRules ZEN (see README.md)."""
