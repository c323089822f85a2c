"""Eligibility review: criteria, valuators assigned to proposals, their reviews and the review queue."""
