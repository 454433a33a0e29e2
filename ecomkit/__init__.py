"""ecomkit: a notebook kit for e-commerce operations analytics (see README.md)."""

__version__ = "0.1.0"
