"""nameko containers run on eventlet: patch the standard library before anything connects."""

import eventlet

eventlet.monkey_patch()
