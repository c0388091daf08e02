"""Who may use the web UI: accounts, sessions, CSRF protection and roles."""
