"""Alembic migrations, shipped inside the package so ``ionode migrate`` works when installed."""
