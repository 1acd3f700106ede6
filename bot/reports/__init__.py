"""Suspicious activity reports."""
