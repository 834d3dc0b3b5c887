"""Local deployment pieces: broker resolution and the development schema registry."""
