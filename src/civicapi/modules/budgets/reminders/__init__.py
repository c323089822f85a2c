"""Scheduled vote reminders: who has not finished a ballot, and the mails that remind them."""
