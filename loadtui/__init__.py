"""loadtui: production traffic in, realistic load tests out."""

__version__ = "0.1.0"
