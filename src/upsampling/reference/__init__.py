"""Slow, readable references that follow the textbook steps; the fast paths are tested against them."""
