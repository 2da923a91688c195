"""Carer Desk domain core: records, rules, services, reports and renderers.

Nothing in this package imports Qt, a database library or an HTTP client; the
composition root (``carer_desk.__main__`` and ``carer_desk.cli``) wires the core to
``storage``, ``sync`` and ``ui``.
"""

__version__ = "0.1.0"
