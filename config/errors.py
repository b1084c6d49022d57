"""Why the app refuses to start: a setting it cannot run without is missing or malformed."""


class ConfigError(RuntimeError):
    """Raised when the environment lacks a setting the chosen mode requires."""
