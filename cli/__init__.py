"""`resumeflow`, the command line: the composition root. The only package that imports everything — it parses
arguments, builds what a command needs from the settings and hands over; no logic of its own beyond that."""
