"""Publish: the one publish path, settling status, manual operations, reach."""
