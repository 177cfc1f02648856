"""A rule set: formulas (allowlisted), models (pydantic), the loader, its words."""
