"""The negotiation engine (pure, no I/O) and the services around it.

Nothing in this package imports FastAPI, aiogram or twilio: every channel calls in here.
"""
