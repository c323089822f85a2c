"""People: accounts, credentials and the current user."""
