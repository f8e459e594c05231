"""The rule set auditor ships (packaged as auditor.default_rules); the *.toml files beside this are the rules."""
