"""The analyst's tools: test cases and coverage, diff and impact, new year, schema."""
