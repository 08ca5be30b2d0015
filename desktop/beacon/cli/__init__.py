"""The commands of ``beacon``: each module's ``run(args)`` returns the exit status.

Together with ``app.py`` these modules are the composition root: they are the only code
that wires the layers (config, credentials, connect, feed, store, services, ui) together.
"""
