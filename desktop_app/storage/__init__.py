"""File I/O: atomic writes, plan files and protocol files. Qt-free."""
