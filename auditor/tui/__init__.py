"""`audit tui`: a Textual view over the same library the CLI uses (store, diff_versions, assess, pin)."""
