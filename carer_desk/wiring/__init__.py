"""The composition root: the one place that wires the vault (``storage``), the sync client
(``sync.client``) and the core's services together, for the command line and the window
alike. Nothing else in ``carer_desk`` may import ``storage`` or ``sync``; the window
receives what it needs from here through the core's ports (``carer_desk.ports``)."""
