"""The shared language of lienthong: schemas, catalogs, calendar, codes, lifecycle. Pure Python, no I/O."""
