"""credscope: static secrets and credential-scope scanner."""

__version__ = "0.1.0"
