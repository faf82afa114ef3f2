"""Delivery: starting a project's delivery (with Parliament's approval when needed) and the build."""
