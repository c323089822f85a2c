"""Platform-wide routes that belong to no commune: the person's own data across communes (export,
erasure: ``/v1/me``) and the operators' view of the event outbox (``/v1/platform/events``)."""
