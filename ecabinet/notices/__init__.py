"""Delivery of notifications outside the app: e-mail (SMTP) and Web Push, sent and retried
by the sweeper from the ``notification_delivery`` outbox."""
