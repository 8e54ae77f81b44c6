"""The IP governance area (steps 1, 3 and 9, the actions for organisations): one module per part."""
