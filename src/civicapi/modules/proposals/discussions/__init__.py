"""Where a proposal was discussed: the meetings the agenda module said so of (``agenda.meeting_closed``),
kept here and listed under the proposal."""
