"""Benchmarks that print numbers: ``bench`` (input pipeline, export latency) and ``bench-scale``
(training at AffectNet's size on a generated AffectNet-shaped set).
"""
