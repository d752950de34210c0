"""Seatplan: group-based license management."""
