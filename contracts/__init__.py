"""The shared language of lienthong: schemas, catalogs, calendar, codes, lifecycle. No I/O."""
