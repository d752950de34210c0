"""One module per feature: keyword-only functions that take a session and do one change."""
