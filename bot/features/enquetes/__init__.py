"""Enquêtes métiers of the beneficiary."""
