"""Warnings about a rule set: sums, tier tables, formula ranges, unread facts."""
