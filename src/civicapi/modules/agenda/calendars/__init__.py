"""Meetings in other formats: iCalendar feeds (a meeting, a component, the commune, a person's own
registrations), schema.org ``Event`` JSON-LD, open-data exports and the team's registrations export."""
