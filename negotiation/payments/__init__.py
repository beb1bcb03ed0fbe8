"""Payment instruments: boleto (FEBRABAN) and, later, PIX."""
