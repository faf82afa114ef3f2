"""Proposals: the service catalog, the Architect that drafts, pricing, project plans."""
