"""A limit of N events per sliding window per key (a client address, a phone number's hash),
counted in the database so every process of a service shares it.

Each event claims a slot by inserting `<key>|<minute>|<n>` (n = 1…limit): a unique insert is
the one atomic step FerretDB 1.x has, so concurrent events are all counted."""

from datetime import datetime, timedelta

from pymongo.errors import DuplicateKeyError


class WindowLimit:
    def __init__(self, collection, limit: int, window: timedelta):
        if limit < 1 or window < timedelta(minutes=1):
            raise ValueError("a limit needs at least one event in at least one minute")
        self.collection, self.limit, self.window = collection, limit, window

    @property
    def minutes(self) -> int:
        return int(self.window.total_seconds() // 60)

    def _minutes(self, now: datetime) -> list[int]:
        last = int(now.timestamp() // 60)
        return list(range(last - self.minutes + 1, last + 1))

    def count(self, key: str, now: datetime) -> int:
        """The events of `key` in the window ending at `now`."""
        ids = [f"{key}|{m}|{n}" for m in self._minutes(now) for n in range(1, self.limit + 1)]
        return self.collection.count_documents({"_id": {"$in": ids}})

    def record(self, key: str, now: datetime) -> None:
        minute = self._minutes(now)[-1]
        for n in range(1, self.limit + 1):
            try:
                self.collection.insert_one({"_id": f"{key}|{minute}|{n}", "at": now})
                return
            except DuplicateKeyError:
                continue  # this minute is full: the key is over its limit anyway

    def take(self, key: str, now: datetime) -> bool:
        """Record an event of `key` if its window has room; False (nothing recorded) if not."""
        if self.count(key, now) >= self.limit:
            return False
        self.record(key, now)
        return True

    def forget_before(self, when: datetime) -> int:
        return self.collection.delete_many({"at": {"$lt": when}}).deleted_count
