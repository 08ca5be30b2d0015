"""The feed window: list model, row delegate, update bar, details pane.

Nothing here imports ``beacon.connect`` or ``beacon.pusher``: connection state and new items
arrive as plain values through ``beacon.services``.
"""
