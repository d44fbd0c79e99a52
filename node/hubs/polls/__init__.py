"""Straw polls (``Question``): pure rules, the service, incoming votes, ``ionode poll``."""
