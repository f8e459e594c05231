"""auditor: diff the releases of an AI coding CLI, judge them against the changelog, pick a pin."""

__version__ = "0.1.0"
