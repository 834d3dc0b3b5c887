"""Profiles: accepts or refuses user commands and keeps each user's profile in the user's cell."""
