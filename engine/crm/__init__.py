"""Everyday CRM work: editing leads and clients, logging interactions, owners, timelines, lists."""
