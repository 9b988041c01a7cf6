"""File I/O: atomic writes, plan and protocol files, autosave, preferences, folders.

Qt-free.
"""
