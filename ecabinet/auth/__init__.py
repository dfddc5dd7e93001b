"""Who is acting: sign-in sessions, passkeys and permissions."""
