"""`TORTOISE_ORM` for Tortoise's own CLI (makemigrations, sqlmigrate), from QUITA_DATABASE_URL."""

from quita.db import tortoise_config
from quita.settings import get_settings

TORTOISE_ORM = tortoise_config(get_settings().database_url)
