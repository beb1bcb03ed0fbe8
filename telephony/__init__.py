"""Twilio voice and SMS: TwiML webhooks, dialer, SMS (a thin channel over negotiation/)."""
