"""Ballots online and on paper, eligibility, the voters' register, casting and its idempotency."""
