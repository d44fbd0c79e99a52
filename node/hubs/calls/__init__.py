"""Conference calls: schedules and RRULE series (rules), their service and the periodic
job that materialises upcoming occurrences, and ``ionode call`` (cli.py). Zones and wall
times are :mod:`node.zones`."""
