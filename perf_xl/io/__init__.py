"""The I/O layer: the only code that reads and writes workbooks and files."""
