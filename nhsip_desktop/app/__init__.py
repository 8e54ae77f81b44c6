"""The application's doors: the command line, the self-test, per-user settings and the messages
they show.
"""
