"""Notification: citizen SMS — templates, encodings, numbers, Kannel, delivery reports."""
