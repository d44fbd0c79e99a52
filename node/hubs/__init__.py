"""Hubs: campaigns, projects and working groups as FEP-1b12 Group actors."""
