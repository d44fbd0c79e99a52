"""Events (FEP-8a8e ``Event``): rules, service, RSVP (Join/Leave), calendars, and the
``ionode event`` and ``ionode call`` commands."""
