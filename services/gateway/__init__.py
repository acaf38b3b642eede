"""Gateway: the HTTP edge — JSON API, callbacks from Kannel and the carrier, officer tokens."""
