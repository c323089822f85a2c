"""Registrations: places with race-free capacity, the waiting list and its offers, check-in at the door,
invitations, the public list of participants."""
