"""Fictional demo content: a Government, its members and a monthly session's agenda."""
