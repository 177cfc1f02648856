"""Reading and writing files: YAML with positions, CSV/XLSX tables, safe writes."""
