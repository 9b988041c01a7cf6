"""The Qt user interface: one module per panel or dialog, built in code (no Designer files)."""
