"""Conference calls: schedules and RRULE series (rules), their service and the periodic
job that materialises upcoming occurrences; ``ionode call`` lives in events/cli.py."""
