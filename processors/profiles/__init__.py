"""Profiles: accepts or refuses user commands and keeps each user's profile in the user's cell.

- reads   `user.commands` (UserCommand: register, update profile, update preferences), keyed by user
- keeps   `profile-cells` (UserCell: the accepted profile, preferences, recent command ids), one per user
- writes  `user.profiles` (UserProfile, compacted) when a command is accepted, `profile.rejected`
          (ProfileRejected, every reason) when it is not
- core    `step.step`; no ports (validation is pure)
"""
