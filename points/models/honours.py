"""Yearly honours: frozen ranking snapshots, public notice (公示) and objections."""
