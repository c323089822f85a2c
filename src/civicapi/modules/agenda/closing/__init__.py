"""After the meeting: its closing (minutes, counts, recordings, proposals discussed); reminders to
registrants, organisers and authors."""
