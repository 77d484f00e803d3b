"""Signals that let other apps follow changes of core data through their own services."""

from django.dispatch import Signal

# Sent after an appointment ends (ended by an admin or expired): kwargs `appointment`.
appointment_ended = Signal()
# Sent after a membership ends or moves agency: kwargs `user`, `agency` (the one left).
membership_ended = Signal()
