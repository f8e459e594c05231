"""One widget per module; each posts dataclass messages the screens handle."""
