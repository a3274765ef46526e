"""Staff authentication: passwords, access tokens, refresh tokens, lockout and roles."""
