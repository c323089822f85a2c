"""Closing a vote and what follows: sealing the urn, the Pabulib export, count runs, publication, recount."""
