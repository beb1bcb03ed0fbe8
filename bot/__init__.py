"""Telegram bot: aiogram 3 routers (a thin channel over negotiation/)."""
