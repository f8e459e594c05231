"""The screens of `audit tui`: timeline (start), compare, diff viewer, pin, empty store, help."""
