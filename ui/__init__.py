"""The desktop window (PySide6): views, controllers, models over the core's services."""

from ui.bindings import keep_sources_out_of_memory

keep_sources_out_of_memory()
